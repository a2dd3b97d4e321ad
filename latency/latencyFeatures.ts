/**
 * The features a measured latency model is linear in. A lowered network is described by
 * operator class and precision, the way a runtime's cost actually splits:
 *
 *   intercept                 1 (per-inference cost: session entry, input copy)
 *   table                     the sum of the profile's per-part table entries, ms (what parts
 *                             cost when timed one by one; see latencyParts.ts)
 *   ops:P                     operators at precision P
 *   kOut:P                    thousands of output elements of those operators (memory traffic)
 *   mMacs:KIND:P              millions of MACs of operator KIND at precision P
 *   mMacs:dwK:P               millions of MACs of depthwise convolutions of kernel K (3, 5, 7)
 *   kAct:FN:A                 thousands of elements through activation FN at activation precision A
 *   kConvert:AB, converts:AB  thousands of elements, and count, of activation precision changes
 *                             from A to B between consecutive operators (quantize/dequantize)
 *
 * KIND is stem, pw (1x1 convolution: mbconv's expand and project, fused's project, a resnet
 * shortcut, the head convolution), dw, se, pool, fc or add (a residual sum; its activation, as
 * a resnet block has, counts under kAct); P is weight then activation precision, each f (float)
 * or q (quantized), so ff, fq, qf, qq; A is f or q. `stem` names every dense convolution wider
 * than 1x1 - the stem's, and inside blocks fused's kxk expand, resnet's two kxk convolutions
 * and plain's one - which run the same im2col/GEMM kernels; the name stays because profiles
 * store feature names and are refused when they differ. A runtime that runs float graphs only
 * (bits = false) sees every operator as ff. This is nn-Meter's lesson (a runtime's cost is per
 * operator kind, not per MAC) with a linear model per kind, which a few hundred whole-network
 * measurements fit well.
 *
 * Plain arithmetic on plain data: it runs inside the search, once per scored config.
 */
import { kFloatBits, type BlockFamily } from '../space/types.js';
import type { LayerDesc } from '../space/layerDesc.js';
import { addRuntimeFeatures, kRuntimeFeatures, type RuntimeLayout } from './runtimeFeatures.js';
import { addStructureFeatures, kStructureFeatures } from './structureFeatures.js';

const kPrecisions = ['ff', 'fq', 'qf', 'qq'] as const;
const kKinds = ['stem', 'pw', 'dw', 'se', 'pool', 'fc', 'add'] as const;
type Kind = (typeof kKinds)[number];
const kDepthwiseKernels = [3, 5, 7] as const;
const kActs = ['relu', 'hswish'] as const;
const kActPrecisions = ['f', 'q'] as const;
const kConversions = ['fq', 'qf'] as const;

/** Feature names in model order. A profile stores them and is refused if they differ. */
export const kLatencyFeatures: readonly string[] = Object.freeze([
  'intercept',
  'table',
  ...kPrecisions.map((p) => `ops:${p}`),
  ...kPrecisions.map((p) => `kOut:${p}`),
  ...kKinds.flatMap((k) => kPrecisions.map((p) => `mMacs:${k}:${p}`)),
  ...kDepthwiseKernels.flatMap((k) => kPrecisions.map((p) => `mMacs:dw${k}:${p}`)),
  ...kActs.flatMap((fn) => kActPrecisions.map((a) => `kAct:${fn}:${a}`)),
  ...kConversions.flatMap((c) => [`kConvert:${c}`, `converts:${c}`]),
]);

const kIndex: ReadonlyMap<string, number> = new Map(kLatencyFeatures.map((name, i) => [name, i]));

function index(name: string): number {
  const i = kIndex.get(name);
  if (i === undefined) throw new Error(`internal: no latency feature '${name}'`);
  return i;
}


// Feature positions resolved once from the names above, so that scoring a config in the search
// does index arithmetic only. A precision P = wa sits at offset 2 x w + a (f = 0, q = 1) from its
// group's ff entry, an activation precision at offset a from its f entry (kPrecisions order).
const kAt = Object.freeze({
  intercept: index('intercept'),
  table: index('table'),
  ops: index('ops:ff'),
  kOut: index('kOut:ff'),
  macs: Object.fromEntries(kKinds.map((k) => [k, index(`mMacs:${k}:ff`)])) as Record<Kind, number>,
  dwMacs: new Map<number, number>(kDepthwiseKernels.map((k) => [k, index(`mMacs:dw${k}:ff`)])),
  act: Object.fromEntries(kActs.map((fn) => [fn, index(`kAct:${fn}:f`)])) as Record<(typeof kActs)[number], number>,
  convertElements: { fq: index('kConvert:fq'), qf: index('kConvert:qf') },
  converts: { fq: index('converts:fq'), qf: index('converts:qf') },
});

/** The feature kind of an operator: any dense kxk convolution is `stem` (see the header). */
function kindOf(layer: LayerDesc): Kind {
  switch (layer.kind) {
    case 'conv': return layer.kernel > 1 ? 'stem' : 'pw';
    case 'dwconv': return 'dw';
    default: return layer.kind;
  }
}

/**
 * The feature vector of a lowered network (in kLatencyFeatures order). `bits`: whether the
 * runtime executes the layers' bit-widths; `tableMs`: the network's table sum.
 */
export function latencyFeatures(layers: readonly LayerDesc[], bits: boolean, tableMs: number): Float64Array {
  const x = new Float64Array(kLatencyFeatures.length);
  x[kAt.intercept] = 1;
  x[kAt.table] = tableMs;
  let previous: 0 | 1 | undefined;
  for (const layer of layers) {
    const w = bits && layer.wBits < kFloatBits ? 1 : 0;
    const a = bits && layer.aBits < kFloatBits ? 1 : 0;
    const p = 2 * w + a;
    const kind = kindOf(layer);
    const outK = (layer.outH * layer.outW * layer.outC) / 1000;
    const mMacs = layer.macs / 1e6;
    x[kAt.ops + p] += 1;
    x[kAt.kOut + p] += outK;
    x[kAt.macs[kind] + p] += mMacs;
    const dw = kind === 'dw' ? kAt.dwMacs.get(layer.kernel) : undefined;
    if (dw !== undefined) x[dw + p] += mMacs;
    if (layer.act !== 'none') x[kAt.act[layer.act] + a] += outK;
    if (previous !== undefined && previous !== a) {
      const change = a === 1 ? 'fq' : 'qf';
      x[kAt.convertElements[change]] += (layer.inH * layer.inW * layer.inC) / 1000;
      x[kAt.converts[change]] += 1;
    }
    previous = a;
  }
  return x;
}

/**
 * The runtime feature set: the features above followed by the whole-graph features of what
 * onnxruntime dispatches (runtimeFeatures.ts), which depend on the CPU's layout. Format-4
 * profiles use it; a model whose features are kLatencyFeatures alone (formats 2 and 3)
 * predicts exactly as before.
 */
export const kRuntimeLatencyFeatures: readonly string[] = Object.freeze([...kLatencyFeatures, ...kRuntimeFeatures]);

/** The structure feature set (format 5): the runtime set followed by where the work runs (structureFeatures.ts). */
export const kStructureLatencyFeatures: readonly string[] = Object.freeze([...kRuntimeLatencyFeatures, ...kStructureFeatures]);

/** The feature sets a stored model may use: 'operators' (formats 2-3), 'runtime' (format 4), 'structure' (format 5). */
export const kFeatureSets = Object.freeze({ operators: kLatencyFeatures, runtime: kRuntimeLatencyFeatures, structure: kStructureLatencyFeatures });
export type FeatureSet = keyof typeof kFeatureSets;

/** The set a stored model's feature names are, or undefined when they are none of them. */
export function featureSetOf(features: readonly string[]): FeatureSet | undefined {
  const names = features.join();
  return (Object.keys(kFeatureSets) as FeatureSet[]).find((set) => kFeatureSets[set].join() === names);
}

/**
 * The feature vector of a model: kLatencyFeatures without `layout`, kRuntimeLatencyFeatures
 * with it, kStructureLatencyFeatures with it and the family of every block (`families`:
 * blockFamilies). See latencyFeatures for the other arguments.
 */
export function modelFeatures(layers: readonly LayerDesc[], bits: boolean, tableMs: number, layout?: RuntimeLayout, families?: readonly BlockFamily[]): Float64Array {
  const base = latencyFeatures(layers, bits, tableMs);
  if (layout === undefined) return base;
  const x = new Float64Array(families === undefined ? kRuntimeLatencyFeatures.length : kStructureLatencyFeatures.length);
  x.set(base);
  addRuntimeFeatures(x, base.length, layers, bits, layout);
  if (families !== undefined) addStructureFeatures(x, kRuntimeLatencyFeatures.length, layers, bits, families);
  return x;
}

/** The model's latency for one feature vector: the dot product with its weights. */
export function linearLatency(weights: ArrayLike<number>, x: ArrayLike<number>): number {
  let ms = 0;
  for (let i = 0; i < x.length; i++) ms += weights[i] * x[i];
  return ms;
}
