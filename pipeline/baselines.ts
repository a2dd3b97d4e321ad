/**
 * The standard models a user would train instead of searching, trained with hwnas's own
 * trainer and recipe (`standalonePhase`), so that every benchmark can show them beside the
 * searched models: their configs live in models/baselines/NAME.json (each a config of the
 * built-in space its table entry names: the ResNets of fashion-hybrid, VGG-4 of fashion-plain),
 * their resumable checkpoints, exports and figures beside them.
 */
import { existsSync, readFileSync, renameSync } from 'node:fs';
import { writeFileAtomic } from '../util/atomicWrite.js';
import { join } from 'node:path';
import { configSpace } from '../space/configSpace.js';
import { spaceByName, type SpaceName } from '../space/defaultSpace.js';
import { parseConfig } from '../space/schema.js';
import { largestConfig } from '../space/searchSpace.js';
import { macs, params } from '../space/layers.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { FashionMnist } from '../supernet/data/types.js';
import { exportConfig } from '../supernet/export/exportConfig.js';
import { loadSupernet } from '../supernet/io.js';
import { createEngine } from '../supernet/train/engines.js';
import { readCheckpointMeta } from '../supernet/train/checkpoint.js';
import { kDefaultTrainOptions, kStandaloneRecipe, standalonePhase } from '../supernet/train/schedule.js';
import { SupernetTrainer } from '../supernet/train/SupernetTrainer.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import { findPackageRoot, kPackageVersion } from '../util/packageRoot.js';
import { kSilentReporter, type Reporter } from './progress.js';
import { onnxTestAccuracy } from './verifyConfigs.js';
import { measureOnnxOnTarget, type TimingInput } from './verifyLatency.js';
import type { ResolvedTarget } from '../latency/targets.js';

/** One baseline: what it is, and the built-in space its config (models/baselines/NAME.json) belongs to. */
export interface BaselineSpec {
  what: string;
  space: SpaceName;
}

/** The baselines by name. */
export const kBaselines = Object.freeze({
  resnet8: { what: 'ResNet-8 (CIFAR-style: 3x3 stem 16, one basic block per stage at 16/32/64 channels)', space: 'fashion-hybrid' },
  resnet14: { what: 'ResNet-14 (two basic blocks per stage at 16/32/64 channels)', space: 'fashion-hybrid' },
  vgg4: { what: 'VGG-4 (3x3 convolutions at 32/64/128/128 channels, strided in place of max-pool, no residuals)', space: 'fashion-plain' },
} as const satisfies Record<string, BaselineSpec>);
export type BaselineName = keyof typeof kBaselines;

export function baselineDir(): string {
  return join(findPackageRoot(import.meta.url), 'models', 'baselines');
}

export interface BaselineFiles {
  config: string;
  checkpoint: string;
  onnx: string;
  result: string;
}

export function baselineFiles(name: BaselineName, dir = baselineDir()): BaselineFiles {
  return {
    config: join(dir, `${name}.json`), checkpoint: join(dir, `${name}.ckpt`),
    onnx: join(dir, `${name}.onnx`), result: join(dir, `${name}.result.json`),
  };
}

/** The names of `list` (comma-separated), checked against the table. */
export function parseBaselineNames(list: string): BaselineName[] {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  for (const n of names) {
    if (!Object.hasOwn(kBaselines, n)) throw new Error(`unknown baseline '${n}': use ${Object.keys(kBaselines).join(', ')}`);
  }
  if (names.length === 0) throw new Error(`name at least one baseline (${Object.keys(kBaselines).join(', ')})`);
  return names as BaselineName[];
}

/** The baseline's config in its own reduced space (the space its checkpoint is trained in). */
export function baselineNetwork(name: BaselineName, dir = baselineDir()): { space: SearchSpace; config: SubnetConfig } {
  const file = baselineFiles(name, dir).config;
  if (!existsSync(file)) throw new Error(`baseline config ${file} is missing: restore it from the repository`);
  const space = spaceByName(kBaselines[name].space);
  return configSpace(space, parseConfig(space, JSON.parse(readFileSync(file, 'utf8'))));
}

/** The config of each baseline of `space` whose config file is in `dir`, in that space's terms, by name. */
export function baselineConfigs(space: SearchSpace, dir = baselineDir()): Record<string, SubnetConfig> {
  const out: Record<string, SubnetConfig> = {};
  for (const [name, spec] of Object.entries(kBaselines)) {
    const file = baselineFiles(name as BaselineName, dir).config;
    if (spec.space === space.name && existsSync(file)) out[name] = parseConfig(space, JSON.parse(readFileSync(file, 'utf8')));
  }
  return out;
}

export interface BaselineTraining {
  epochs?: number;
  workers?: number;
  /** Stop after this many steps in this run (the checkpoint resumes later); 0 = to the end. */
  maxSteps?: number;
  evalImages?: number;
}

/** Trains (or resumes) a baseline to the end of its schedule, or for `maxSteps`; resolves to its metadata. */
export async function trainBaseline(
  name: BaselineName, data: FashionMnist, options: BaselineTraining = {}, reporter: Reporter = kSilentReporter, dir = baselineDir(),
): Promise<TrainMeta> {
  const { space, config } = baselineNetwork(name, dir);
  const files = baselineFiles(name, dir);
  const trainer = new SupernetTrainer(space, data, files.checkpoint, {
    phases: [standalonePhase(config, options.epochs ?? kStandaloneRecipe.epochs)],
    hyper: { ...kDefaultTrainOptions.hyper, weightDecay: kStandaloneRecipe.weightDecay },
    maxStepsThisRun: options.maxSteps ?? 0,
    evalImages: options.evalImages ?? kDefaultTrainOptions.evalImages,
  });
  const resume = existsSync(files.checkpoint);
  const engine = await createEngine(trainer.replicaInit(), options.workers ?? 1);
  const bar = reporter.bar(trainer.plannedSteps(resume), trainer.resumeStep(resume), `${name} |{bar}| {value}/{total} steps | loss {loss} | ETA {eta}s`);
  try {
    return await trainer.run(engine, resume, { onStep: (p) => bar.update(p.step, { loss: p.loss.toFixed(3) }) });
  } finally {
    bar.stop();
    await engine.close();
  }
}

/** What a finished baseline measured (models/baselines/NAME.result.json). */
export interface BaselineResult {
  name: BaselineName;
  what: string;
  config: SubnetConfig;
  epochs: number;
  checkpointStep: number;
  macs: number;
  params: number;
  /** Test accuracy of the exported fp32 ONNX on all test images, in onnxruntime. */
  testAccuracy: number;
  onnx: string;
}

/** A baseline's exported model and its test accuracy, for timing beside another (undefined when it is not exported yet). */
export function baselineReference(name: string, dir = baselineDir()): { name: string; onnx: string; testAccuracy: number } | undefined {
  if (!Object.hasOwn(kBaselines, name)) return undefined;
  const files = baselineFiles(name as BaselineName, dir);
  if (!existsSync(files.result) || !existsSync(files.onnx)) return undefined;
  return { name, onnx: files.onnx, testAccuracy: (JSON.parse(readFileSync(files.result, 'utf8')) as BaselineResult).testAccuracy };
}

/** Whether the baseline's checkpoint has finished its schedule. */
export function baselineFinished(name: BaselineName, dir = baselineDir()): boolean {
  const file = baselineFiles(name, dir).checkpoint;
  if (!existsSync(file)) return false;
  const meta = readCheckpointMeta<TrainMeta>(file);
  return meta.step === meta.totalSteps;
}

/**
 * Exports a finished baseline (fp32 ONNX) and measures its test accuracy, unless its result
 * already names the same checkpoint step; writes NAME.onnx and NAME.result.json atomically.
 */
export async function finishBaseline(name: BaselineName, data: FashionMnist, dir = baselineDir()): Promise<BaselineResult> {
  const files = baselineFiles(name, dir);
  const loaded = loadSupernet(files.checkpoint);
  try {
    const { meta, net } = loaded;
    if (meta.step !== meta.totalSteps) throw new Error(`baseline ${name} is at step ${meta.step} of ${meta.totalSteps}: train it to the end first`);
    if (existsSync(files.result) && existsSync(files.onnx)) {
      const done = JSON.parse(readFileSync(files.result, 'utf8')) as BaselineResult;
      if (done.checkpointStep === meta.step) return done;
    }
    const config = largestConfig(net.space);
    const tmp = `${files.onnx}.partial`;
    await exportConfig(net, config, data.train, tmp, { format: 'onnx', version: kPackageVersion, overwrite: true, metadata: { 'hwnas.baseline': name } });
    const testAccuracy = await onnxTestAccuracy(tmp, data.test, net.space.input.classes);
    renameSync(tmp, files.onnx);
    const result: BaselineResult = {
      name, what: kBaselines[name].what, config, epochs: meta.options.phases[0].epochs, checkpointStep: meta.step,
      macs: macs(net.space, config), params: params(net.space, config), testAccuracy, onnx: `${name}.onnx`,
    };
    writeFileAtomic(files.result, `${JSON.stringify(result, null, 2)}\n`);
    return result;
  } finally {
    loaded.net.dispose();
  }
}

/** A finished baseline timed on one target, for a report beside the searched models. */
export interface BaselineRow {
  name: BaselineName;
  what: string;
  target: string;
  testAccuracy: number;
  macs: number;
  /** Median of the measurement harness, ms. */
  medianMs: number;
}

/**
 * Every baseline whose result exists (finished and exported), timed on each ort-cpu target of
 * `targets` with the harness verify uses; the others are listed in `missing`.
 */
export async function timeBaselines(
  targets: readonly ResolvedTarget[], input: TimingInput, dir = baselineDir(),
): Promise<{ rows: BaselineRow[]; missing: BaselineName[] }> {
  const rows: BaselineRow[] = [];
  const missing: BaselineName[] = [];
  for (const name of Object.keys(kBaselines) as BaselineName[]) {
    const files = baselineFiles(name, dir);
    if (!existsSync(files.result) || !existsSync(files.onnx)) {
      missing.push(name);
      continue;
    }
    const result = JSON.parse(readFileSync(files.result, 'utf8')) as BaselineResult;
    for (const target of targets) {
      if (target.name !== 'ort-cpu') continue;
      const { measurement } = await measureOnnxOnTarget(files.onnx, target, input);
      if (measurement === null) continue;
      rows.push({ name, what: result.what, target: target.given, testAccuracy: result.testAccuracy, macs: result.macs, medianMs: measurement.medianMs });
    }
  }
  return { rows, missing };
}

/** The report section: the baselines beside the searched models, or how to train them. */
export function baselinesMarkdown(rows: readonly BaselineRow[], missing: readonly BaselineName[]): string[] {
  const out = ['## Baselines (trained from scratch with the standard recipe)', ''];
  if (rows.length > 0) {
    out.push('| baseline | target | test accuracy | MACs | measured latency (median) |', '|---|---|---|---|---|');
    for (const r of rows) out.push(`| ${r.name}: ${r.what} | ${r.target} | ${(100 * r.testAccuracy).toFixed(2)}% | ${(r.macs / 1e6).toFixed(2)}M | ${r.medianMs.toFixed(3)} ms |`);
    out.push('');
  }
  if (missing.length > 0) out.push(`Not trained yet: ${missing.join(', ')} (\`npm run bench:baselines\` trains, exports and times them).`, '');
  return out;
}
