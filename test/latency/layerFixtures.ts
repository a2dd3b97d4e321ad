/** Hand-made operator lists for the hardware tests (no dependency on the lowering code). */
import type { SubnetConfig } from '../../space/types.js';
import type { LayerDesc } from '../../space/layerDesc.js';

export function layer(overrides: Partial<LayerDesc> & Pick<LayerDesc, 'kind'>): LayerDesc {
  return {
    inH: 10,
    inW: 10,
    inC: 10,
    outH: 10,
    outW: 10,
    outC: 10,
    kernel: 1,
    stride: 1,
    wBits: 32,
    aBits: 32,
    act: 'none',
    macs: 0,
    params: 0,
    block: -1,
    ...overrides,
  };
}

/** A config whose first depth picks one of the networks below (the lowering stub reads it). */
export function cfg(depth: number): SubnetConfig {
  return { depths: [depth], kernels: [3], expands: [3], widths: [1] };
}

/** A tiny MobileNet-like block, the network's `index`th: 1x1 expand, 3x3 depthwise, 1x1 project, residual add. */
export function block(c: number, e: number, hw: number, bits = 32, index = 0): LayerDesc[] {
  const m = c * e;
  const q = { wBits: bits, aBits: bits, block: index };
  return [
    layer({ kind: 'conv', inH: hw, inW: hw, inC: c, outH: hw, outW: hw, outC: m, macs: hw * hw * c * m, params: c * m, ...q }),
    layer({ kind: 'dwconv', inH: hw, inW: hw, inC: m, outH: hw, outW: hw, outC: m, kernel: 3, macs: hw * hw * m * 9, params: m * 9, ...q }),
    layer({ kind: 'conv', inH: hw, inW: hw, inC: m, outH: hw, outW: hw, outC: c, macs: hw * hw * m * c, params: m * c, ...q }),
    layer({ kind: 'add', inH: hw, inW: hw, inC: c, outH: hw, outW: hw, outC: c, ...q }),
  ];
}

/** Lowering stub: `depths[0]` blocks of 16 channels, expand 4, 28x28. */
export function lowerStub(config: SubnetConfig): LayerDesc[] {
  const bits = config.wBits?.[0] ?? 32;
  const out: LayerDesc[] = [];
  for (let i = 0; i < config.depths[0]; i++) out.push(...block(16, 4, 28, bits, i));
  return out;
}
