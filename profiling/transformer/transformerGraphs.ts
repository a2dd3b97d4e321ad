/**
 * The ONNX graphs a transformer latency profile times: a whole SubTransformer, one part of it
 * (transformerParts.ts) as a graph of its own, and the baseline a part is measured against (its
 * input passed through: both pay the same per-run overhead and input copy, so the difference of
 * their medians is the part's own time). Built with the export's own builders
 * (transformerToOnnx.ts), so a part is exactly the nodes it is in the exported model, in ONNX and
 * as a tfjs graph model (transformerToTfjs.ts) alike. Weights
 * are seeded random: fp32 kernels do not depend on the values.
 */
import { hiddenUnits, tokenCount } from '../../space/transformer/cost.js';
import { subTransformerParams, type LayerDims } from '../../space/transformer/paramLayout.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { Rng } from '../../space/rng.js';
import type { SubTransformerWeights } from '../../supernet/transformer/extract.js';
import {
  attentionBlock, classifierHead, encodeTransformerGraph, linearOf, mlpBlock, patchEmbedding, transformerToOnnx, TransformerGraph, valueInfo,
} from '../../supernet/export/onnx/transformerToOnnx.js';
import type { TransformerPart } from '../../latency/transformer/transformerParts.js';
import { transformerGraphToTfjs, transformerToTfjs, type TfjsModel } from '../../supernet/export/tfjs/transformerToTfjs.js';

/** A model to time: serialised ONNX, the same graph as a tfjs graph model when it has one, and its input's shape per image. */
export interface ModelGraph {
  model: Uint8Array;
  inputShape: number[];
  /** The graph as a tfjs graph model (for tfjs runtimes), built when asked. */
  tfjs?: () => TfjsModel;
}

export type { LayerDims };

/** Seeded random weights of a SubTransformer of width `d` with `layers` (names as extract.ts gives them). */
export function syntheticWeights(space: TransformerSpace, d: number, layers: readonly LayerDims[], seed = 1): SubTransformerWeights {
  const rng = new Rng(seed);
  const out: SubTransformerWeights = {};
  for (const { name, shape, role } of subTransformerParams(space, d, layers)) {
    const [scale, offset] = role === 'weight' ? [1 / Math.sqrt(shape[0]), 0] : role === 'gamma' ? [0.1, 1] : [0.02, 0];
    const n = shape.reduce((x, y) => x * y, 1);
    out[name] = { shape, data: Float32Array.from({ length: n }, () => offset + scale * rng.normal()) };
  }
  return out;
}

/** The layer dims of a config. */
export function layerDims(cfg: TransformerConfig): LayerDims[] {
  return cfg.heads.map((heads, i) => ({ heads, hidden: hiddenUnits(cfg.embedDim, cfg.mlpRatios[i]) }));
}

/** The fp32 graph of a whole SubTransformer with seeded random weights. */
export function subTransformerGraph(space: TransformerSpace, cfg: TransformerConfig, seed = 1): ModelGraph {
  const { height, width, channels } = space.input;
  const weights = syntheticWeights(space, cfg.embedDim, layerDims(cfg), seed);
  return { model: transformerToOnnx(space, cfg, weights), inputShape: [height, width, channels], tfjs: () => transformerToTfjs(space, cfg, weights) };
}

const imageShape = (space: TransformerSpace) => [space.input.height, space.input.width, space.input.channels];

/**
 * The graph of `part` alone with `weights` (of its layer `layer` for attention and MLP parts):
 * images in and tokens out (embed), tokens in and out (attn, mlp), tokens in and logits out (head).
 */
export function partGraph(space: TransformerSpace, part: TransformerPart, weights: SubTransformerWeights, layer = 0): ModelGraph {
  const g = new TransformerGraph(weights);
  const d = part.embedDim;
  const tokens = [1, tokenCount(space), d];
  const inputShape = part.kind === 'embed' ? imageShape(space) : tokens.slice(1);
  let y: string;
  let outputDims = tokens;
  switch (part.kind) {
    case 'embed': y = patchEmbedding(g, space, d, 'x'); break;
    case 'attn': y = attentionBlock(g, space, 'x', layer, part.heads, linearOf(g, false)); break;
    case 'mlp': y = mlpBlock(g, 'x', layer, linearOf(g, false)); break;
    case 'head':
      y = classifierHead(g, space, d, 'x', 'logits');
      outputDims = [1, space.input.classes];
      break;
  }
  return {
    model: encodeTransformerGraph(g, part.key, valueInfo('x', [1, ...inputShape]), valueInfo(y, outputDims)), inputShape,
    tfjs: () => transformerGraphToTfjs(g, { input: 'x', inputName: 'x', inputShape, output: y, outputName: 'y' }),
  };
}

/** The graph of `part` alone with seeded random weights of its dims. */
export function randomPartGraph(space: TransformerSpace, part: TransformerPart, seed = 1): ModelGraph {
  const layers = part.kind === 'attn' || part.kind === 'mlp' ? [{ heads: Math.max(1, part.heads), hidden: Math.max(1, part.hidden) }] : [];
  return partGraph(space, part, syntheticWeights(space, part.embedDim, layers, seed));
}

/** The baseline of `part`: its input passed through (Identity). */
export function baselineGraph(space: TransformerSpace, part: TransformerPart): ModelGraph {
  const g = new TransformerGraph({});
  const inputShape = part.kind === 'embed' ? imageShape(space) : [tokenCount(space), part.embedDim];
  const y = g.node('Identity', ['x'], 'y');
  return {
    model: encodeTransformerGraph(g, `${part.key}.baseline`, valueInfo('x', [1, ...inputShape]), valueInfo(y, [1, ...inputShape])), inputShape,
    tfjs: () => transformerGraphToTfjs(g, { input: 'x', inputName: 'x', inputShape, output: y, outputName: 'y' }),
  };
}
