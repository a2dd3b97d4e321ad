/**
 * Per-operator cost counts shared by the proxy and analytic latency models.
 * All functions read one `LayerDesc` (one operator after BatchNorm folding).
 */
import type { LayerDesc, LayerKind } from './layerDesc.js';

/** Every operator kind, in the order of `LayerKind`. */
export const kLayerKinds = Object.freeze(['conv', 'dwconv', 'se', 'pool', 'fc', 'add'] as const);

// Fails to compile if LayerKind gains a kind that kLayerKinds does not list.
type MissingKinds = Exclude<LayerKind, (typeof kLayerKinds)[number]>;
const kAllKindsListed: [MissingKinds] extends [never] ? true : MissingKinds = true;
void kAllKindsListed;

/** Bytes of the weights: params x wBits / 8 (sub-byte widths counted as packed). */
export function weightBytes(layer: LayerDesc): number {
  return (layer.params * layer.wBits) / 8;
}

/**
 * Bytes of activations read and written: input plus output tensors at aBits. A residual `add`
 * reads two inputs of the input shape.
 */
export function activationBytes(layer: LayerDesc): number {
  const inputs = layer.kind === 'add' ? 2 : 1;
  const elements = inputs * layer.inH * layer.inW * layer.inC + layer.outH * layer.outW * layer.outC;
  return (elements * layer.aBits) / 8;
}

/** Memory traffic of one operator, assuming nothing stays in cache: weights + activations. */
export function layerBytes(layer: LayerDesc): number {
  return weightBytes(layer) + activationBytes(layer);
}

/** Bit operations as in APQ/HAQ: MACs x wBits x aBits. */
export function layerBitops(layer: LayerDesc): number {
  return layer.macs * layer.wBits * layer.aBits;
}
