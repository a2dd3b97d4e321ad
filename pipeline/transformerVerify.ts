/**
 * Verifying what a transformer search chose: each chosen SubTransformer exported from the
 * SuperTransformer checkpoint as fp32 ONNX (exportTransformer), timed on the profile's target
 * beside the profile's reference SubTransformer (so its time is put at the profile's speed, as
 * `hwnas profile --evaluate` does), and its test accuracy measured on the exported model in
 * onnxruntime, as the CNN verify does (verifyConfigs.ts).
 * verify.json holds predicted against measured, per chosen config.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformerConfigKey } from '../space/transformer/configs.js';
import type { TransformerConfig } from '../space/transformer/types.js';
import type { DataSplit } from '../supernet/data/types.js';
import { exportTransformer } from '../supernet/transformer/exportTransformer.js';
import type { SuperTransformer } from '../supernet/transformer/SuperTransformer.js';
import { loadTransformerProfile } from '../latency/transformer/transformerProfile.js';
import type { BenchRuntime } from '../profiling/benchRuntime.js';
import { kDefaultSampler, type SamplerSettings } from '../profiling/interleaved.js';
import { atTypicalSpeed } from '../profiling/measureSubnet.js';
import { measureTransformerGraph, referenceGraph, TransformerGraphCache } from '../profiling/transformer/measureTransformer.js';
import { writeFileAtomic } from '../util/atomicWrite.js';
import type { TransformerResultFile } from './transformerSearch.js';
import { onnxTestAccuracy } from './verifyConfigs.js';

export interface TransformerVerifyRow {
  config: TransformerConfig;
  onnx: string;
  bytes: number;
  predictedAccuracy: number;
  testAccuracy: number;
  predictedMs: number;
  /** Measured median, at the profile's speed (and as measured, before that correction). */
  measuredMs: number;
  rawMs: number;
  noisy: boolean;
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
    const reference = await referenceGraph(cache, net.space, profile.reference.config);
    for (const s of chosen) {
      const onnx = join(dir, `${transformerConfigKey(s.config)}.onnx`);
      const exported = exportTransformer(net, s.config, onnx, { overwrite: true });
      const { height, width, channels } = net.space.input;
      const t = await measureTransformerGraph(runtime, { model: readFileSync(onnx), inputShape: [height, width, channels] }, reference,
        { ...kDefaultSampler, ...profile.measurement.sampler, ...sampler }, transformerConfigKey(s.config));
      rows.push({
        config: s.config, onnx, bytes: exported.bytes, predictedAccuracy: s.accuracy, testAccuracy: await onnxTestAccuracy(onnx, test, net.space.input.classes),
        predictedMs: s.latency, measuredMs: atTypicalSpeed(t.ms, t.refMs, profile.reference.ms), rawMs: t.ms, noisy: t.noisy,
      });
    }
  } finally {
    await cache.release();
  }
  writeFileAtomic(join(dir, 'verify.json'), `${JSON.stringify({ checkpoint: results.checkpoint, profile: results.profile, latencyKind: results.latencyKind, rows }, null, 2)}\n`);
  return rows;
}
