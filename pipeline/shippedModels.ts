/**
 * The artifacts hwnas ships under models/: the one table of their paths, what each is and how
 * to make it. `hwnas demo` runs on exactly these and the other commands take them as defaults.
 * Paths are relative to the package root, so an installed hwnas finds them from any folder;
 * the CNN profiles' paths are the ones the measured targets read by default (latency/measuredTarget.ts).
 * `transformer` holds the transformer space's own: its SuperTransformer, predictor and profiles.
 */
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { defaultProfilePath } from '../latency/measuredTarget.js';
import { findPackageRoot } from '../util/packageRoot.js';
import type { QuantMode } from '../space/searchSpace.js';

export interface ShippedArtifact {
  /** Path relative to the package root. */
  file: string;
  what: string;
  /** How to make it, a sentence with the commands quoted. */
  make: string;
}

/** The artifacts of the transformer space: what `hwnas demo --space <space>` runs on. */
export interface ShippedTransformer {
  /** The transformer space they are of (e.g. 'fashion-vit'). */
  space: string;
  supernet: ShippedArtifact;
  /** Accuracy predictor of its SubTransformers (fp32: they are searched without bits). */
  predictor: ShippedArtifact;
  /** Transformer latency profiles by target spec. */
  profiles: Readonly<Record<string, ShippedArtifact>>;
}

/** The artifacts of one CNN space: what `hwnas demo --space <space>` runs on. */
export interface ShippedCnn {
  space: string;
  supernet: ShippedArtifact;
  /** Accuracy predictors by genome; a space without a quantization-aware one has 'fp32' only. */
  predictors: Readonly<Partial<Record<QuantMode, ShippedArtifact>>>;
  /**
   * The configs measured on val that a predictor was fitted on, by genome, where shipped: the
   * demo measures the best of them within each budget beside its finalists (`search --known`).
   */
  datasets?: Readonly<Partial<Record<QuantMode, ShippedArtifact>>>;
  /** Latency profiles by target spec. */
  profiles: Readonly<Record<string, ShippedArtifact>>;
}

export interface ShippedTable {
  /**
   * The fashion-mbv3 space's artifacts (the first space hwnas shipped: its profiles are where
   * the measured targets read by default); `cnn` lists every CNN space's, the demo's default
   * (fashion-hybrid) first.
   */
  supernet: ShippedArtifact;
  /** Accuracy predictors by genome: 'mixed' encodes per-block bits (quantization-aware), 'fp32' does not. */
  predictors: Readonly<Record<QuantMode, ShippedArtifact>>;
  /** Latency profiles by target spec. */
  profiles: Readonly<Record<string, ShippedArtifact>>;
  transformer: Readonly<ShippedTransformer>;
  cnn: Readonly<Record<string, Readonly<ShippedCnn>>>;
}

const kRoot = findPackageRoot(import.meta.url);

const kCollect = "collect samples with 'hwnas collect --quant fp32 --out fp32.jsonl'";

function profile(target: string, threads: number): ShippedArtifact {
  const file = relative(kRoot, defaultProfilePath(target, threads));
  return {
    file,
    what: `latency profile of ${target}:${threads}`,
    make: `measure it with 'hwnas profile --target ${target}:${threads} --out ${file}' on an idle machine of the kind it is for`,
  };
}

const kVit = 'models/training/fashion-vit.ckpt';

function vitProfile(target: string, threads: number): ShippedArtifact {
  const file = `models/vit/${target}-${threads}.json`;
  return {
    file,
    what: `transformer latency profile of fashion-vit on ${target}:${threads}`,
    make: `measure it with 'hwnas profile --space fashion-vit --target ${target}:${threads} --out ${file}' on an idle machine of the kind it is for`,
  };
}

const kHybrid = 'models/training/fashion-hybrid.ckpt';

function hybridProfile(target: string, threads: number): ShippedArtifact {
  const file = `models/hybrid/${target}-${threads}.json`;
  return {
    file,
    what: `latency profile of fashion-hybrid on ${target}:${threads}`,
    make: `measure it with 'hwnas profile --space fashion-hybrid --target ${target}:${threads} --out ${file}' on an idle machine of the kind it is for`,
  };
}

const kHybridShipped: ShippedCnn = Object.freeze({
  space: 'fashion-hybrid',
  supernet: { file: kHybrid, what: 'fashion-hybrid supernet checkpoint', make: `train it with 'hwnas train --space fashion-hybrid --out ${kHybrid}'` },
  predictors: Object.freeze({
    fp32: {
      file: 'models/hybrid/accuracy-fp32.json',
      what: 'fashion-hybrid fp32 accuracy predictor',
      make: `collect samples with 'hwnas collect --checkpoint ${kHybrid} --quant fp32 --out models/hybrid/fp32.jsonl', then fit it with ` +
        "'hwnas fit --space fashion-hybrid --data models/hybrid/fp32.jsonl --out models/hybrid/accuracy-fp32.json'",
    },
  }),
  datasets: Object.freeze({
    fp32: {
      file: 'models/hybrid/fp32.jsonl',
      what: 'fashion-hybrid configs measured on val (the fp32 predictor\'s data)',
      make: `collect them with 'hwnas collect --checkpoint ${kHybrid} --quant fp32 --n 400 --eval-images 2000 --out models/hybrid/fp32.jsonl'`,
    },
  }),
  profiles: Object.freeze({ 'ort-cpu:1': hybridProfile('ort-cpu', 1), 'ort-cpu:2': hybridProfile('ort-cpu', 2) }),
});

const kMbv3Shipped: ShippedCnn = Object.freeze({
  space: 'fashion-mbv3',
  supernet: { file: 'models/supernet.ckpt', what: 'supernet checkpoint', make: "train it with 'hwnas train --out models/supernet.ckpt'" },
  predictors: Object.freeze({
    mixed: {
      file: 'models/predictors/accuracy-quant.json',
      what: 'quantization-aware accuracy predictor',
      make: `${kCollect} and 'hwnas collect --quant mixed --out mixed.jsonl', then fit it with 'hwnas fit --data fp32.jsonl ` +
        "--quant-data mixed.jsonl --out models/predictors/accuracy-fp32.json --quant-out models/predictors/accuracy-quant.json'",
    },
    fp32: {
      file: 'models/predictors/accuracy-fp32.json',
      what: 'fp32 accuracy predictor',
      make: `${kCollect}, then fit it with 'hwnas fit --data fp32.jsonl --out models/predictors/accuracy-fp32.json'`,
    },
  }),
  profiles: Object.freeze({ 'ort-cpu:1': profile('ort-cpu', 1), 'ort-cpu:2': profile('ort-cpu', 2) }),
});

export const kShipped: Readonly<ShippedTable> = Object.freeze({
  supernet: kMbv3Shipped.supernet,
  predictors: kMbv3Shipped.predictors as Readonly<Record<QuantMode, ShippedArtifact>>,
  profiles: kMbv3Shipped.profiles,
  cnn: Object.freeze({ [kHybridShipped.space]: kHybridShipped, [kMbv3Shipped.space]: kMbv3Shipped }),
  transformer: Object.freeze({
    space: 'fashion-vit',
    supernet: { file: kVit, what: 'fashion-vit SuperTransformer checkpoint', make: `train it with 'hwnas train --space fashion-vit --out ${kVit}'` },
    predictor: {
      file: 'models/vit/accuracy-fp32.json',
      what: 'fashion-vit accuracy predictor',
      make: `collect samples with 'hwnas collect --checkpoint ${kVit} --out vit.jsonl', then fit it with ` +
        "'hwnas fit --space fashion-vit --data vit.jsonl --out models/vit/accuracy-fp32.json'",
    },
    profiles: Object.freeze({ 'ort-cpu:1': vitProfile('ort-cpu', 1), 'ort-cpu:2': vitProfile('ort-cpu', 2), 'tfjs-wasm:1': vitProfile('tfjs-wasm', 1) }),
  }),
});

/** Absolute path of a shipped artifact. */
export function shippedPath(artifact: ShippedArtifact): string {
  return join(kRoot, artifact.file);
}

/** Throws one error naming every missing artifact of `artifacts` and how to make it. */
export function checkShipped(artifacts: readonly ShippedArtifact[]): void {
  const missing = artifacts.filter((a) => !existsSync(shippedPath(a)));
  if (missing.length === 0) return;
  const lines = missing.map((a) => `${a.file} (${a.what}) does not exist in ${kRoot}: ${a.make}`);
  throw new Error(`${missing.length === 1 ? 'a shipped artifact is' : `${missing.length} shipped artifacts are`} missing:\n  ${lines.join('\n  ')}`);
}
