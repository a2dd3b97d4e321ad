/**
 * Verifying what a transformer search chose: each chosen SubTransformer exported from the
 * SuperTransformer checkpoint as fp32 ONNX and as a tfjs graph-model folder (exportTransformer;
 * the two compute the same logits), timed on the profile's target - the ONNX file in onnxruntime,
 * the folder in tfjs - beside the profile's reference SubTransformer (so its time is put at the
 * profile's speed, as `hwnas profile --evaluate` does), and its test accuracy measured on the
 * exported ONNX model in onnxruntime, as the CNN verify does (verifyConfigs.ts).
 * verify.json holds predicted against measured, per chosen config.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { transformerConfigKey } from '../space/transformer/configs.js';
import type { TransformerConfig } from '../space/transformer/types.js';
import type { DataSplit } from '../supernet/data/types.js';
import { exportTransformer } from '../supernet/transformer/exportTransformer.js';
import type { SuperTransformer } from '../supernet/transformer/SuperTransformer.js';
import { loadTransformerProfile, type TransformerProfile } from '../latency/transformer/transformerProfile.js';
import type { BenchRuntime } from '../profiling/benchRuntime.js';
import { kDefaultSampler, type SamplerSettings } from '../profiling/interleaved.js';
import { atTypicalSpeed } from '../profiling/measureSubnet.js';
import { measureTransformerGraph, TransformerGraphCache } from '../profiling/transformer/measureTransformer.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { readTfjsModel } from '../supernet/export/tfjs/toTfjs.js';
import type { TransformerResultFile } from './transformerSearch.js';
import { onnxTestAccuracy } from './verifyConfigs.js';

export interface TransformerVerifyRow {
  config: TransformerConfig;
  /** The exported file's name inside the output folder (the folder is built under another name, then renamed). */
  onnx: string;
  /** The same SubTransformer as a tfjs graph-model folder, beside it. */
  tfjs: string;
  bytes: number;
  predictedAccuracy: number;
  testAccuracy: number;
  predictedMs: number;
  /** Measured median, at the profile's speed (and as measured, before that correction). */
  measuredMs: number;
  rawMs: number;
  noisy: boolean;
}

/** A whole exported SubTransformer timed beside a profile's reference. */
export interface TransformerTimed {
  /** Median at the profile's speed, ms, and as measured. */
  measuredMs: number;
  rawMs: number;
  noisy: boolean;
}

/** The files of one exported SubTransformer: fp32 ONNX, and the tfjs folder of the same graph. */
export interface TransformerExports {
  onnx: string;
  tfjs: string;
}

/**
 * Times the export `files` on `runtime` (the profile's target: the ONNX file on onnxruntime, the tfjs folder on tfjs) beside `profile`'s reference
 * SubTransformer (TransformerGraphCache.reference), with the profile's sampler, in interleaved rounds;
 * its median is put at the profile's speed by the reference's time now against its profiled one.
 */
export async function timeTransformerExport(
  runtime: BenchRuntime, profile: Pick<TransformerProfile, 'space' | 'reference' | 'measurement'>, cache: TransformerGraphCache, files: TransformerExports,
  sampler: Partial<SamplerSettings> = {},
): Promise<TransformerTimed> {
  const reference = cache.reference(profile.space, profile.reference.config);
  const { height, width, channels } = profile.space.input;
  const graph = { model: readFileSync(files.onnx), inputShape: [height, width, channels], tfjs: () => readTfjsModel(files.tfjs) };
  const t = await measureTransformerGraph(runtime, graph, reference, { ...kDefaultSampler, ...profile.measurement.sampler, ...sampler }, basename(files.onnx));
  return { measuredMs: atTypicalSpeed(t.ms, t.refMs, profile.reference.ms), rawMs: t.ms, noisy: t.noisy };
}

/** Exports, measures and scores every chosen config of `results`; writes the models and verify.json to `dir`. */
export async function verifyTransformerResults(
  results: TransformerResultFile, net: SuperTransformer, test: DataSplit, runtime: BenchRuntime, dir: string, sampler: Partial<SamplerSettings> = {},
): Promise<TransformerVerifyRow[]> {
  const profile = loadTransformerProfile(results.profile);
  if (runtime.target !== profile.target || runtime.threads !== profile.threads) {
    throw new Error(`the results were searched for ${profile.target}:${profile.threads}; verify them on that target (this runtime is ${runtime.target}:${runtime.threads})`);
  }
  const chosen = results.result.mode === 'budget' ? [results.result.best] : results.result.front;
  const cache = new TransformerGraphCache(runtime);
  const rows: TransformerVerifyRow[] = [];
  try {
    for (const s of chosen) {
      const key = transformerConfigKey(s.config);
      const files = { onnx: join(dir, `${key}.onnx`), tfjs: join(dir, `${key}.tfjs`) };
      const exported = exportTransformer(net, s.config, files.onnx, { overwrite: true });
      exportTransformer(net, s.config, files.tfjs, { format: 'tfjs', overwrite: true });
      const timed = await timeTransformerExport(runtime, profile, cache, files, sampler);
      rows.push({
        config: s.config, onnx: basename(files.onnx), tfjs: basename(files.tfjs), bytes: exported.bytes, predictedAccuracy: s.accuracy, testAccuracy: await onnxTestAccuracy(files.onnx, test, net.space.input.classes),
        predictedMs: s.latency, ...timed,
      });
    }
  } finally {
    await cache.release();
  }
  writeFileAtomic(join(dir, 'verify.json'), `${JSON.stringify({ checkpoint: results.checkpoint, profile: results.profile, latencyKind: results.latencyKind, rows }, null, 2)}\n`);
  return rows;
}
