/**
 * The commands bench:kill-trials kills (killTrials.ts): for each, how it is run on the smallest
 * real inputs, how its output is read the way hwnas reads it, whether it claims to resume and
 * how the resumed result is compared with the uninterrupted one.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseSearchSpace } from '../space/schema.js';
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import { loadCheckpoint } from '../supernet/train/checkpoint.js';
import { readSamples } from '../predictors/samples.js';
import { loadLatencyProfile } from '../latency/latencyProfile.js';
import { readSearchResult } from '../pipeline/searchResultFile.js';
import { kSearchMarker } from '../pipeline/searchOutput.js';
import { createSession } from '../profiling/ort.js';
import { findPackageRoot } from '../util/packageRoot.js';

export const kCommands = ['train', 'collect', 'profile', 'search', 'export', 'verify', 'demo'] as const;
export type Command = typeof kCommands[number];

const root = findPackageRoot(import.meta.url);
export const microFile = join(root, 'test/fixtures/microSpace.json');
export const micro: SearchSpace = parseSearchSpace(readFileSync(microFile, 'utf8'));

async function onnxLoads(file: string): Promise<void> {
  const s = await createSession(file);
  await (s as unknown as { release?: () => Promise<void> }).release?.();
}

async function onnxFilesLoad(dir: string): Promise<void> {
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.onnx'))) await onnxLoads(join(dir, f));
}

/** A search folder: its marker and every result file it lists. */
function searchFolderWhole(dir: string): string | undefined {
  if (!existsSync(join(dir, kSearchMarker))) return `no ${kSearchMarker}`;
  const marker = JSON.parse(readFileSync(join(dir, kSearchMarker), 'utf8')) as { files: string[] };
  for (const f of marker.files) {
    if (!existsSync(join(dir, f))) return `${f} listed but missing`;
    readSearchResult(join(dir, f));
  }
  return undefined;
}

export interface Spec {
  command: Command;
  /** Output name inside the trial folder. */
  out: string;
  /** The run (uninterrupted or killed). */
  argv(out: string): string[];
  /** Reads the output as hwnas does: throws if unreadable, returns a reason if readable but incomplete. */
  read(out: string): Promise<string | undefined>;
  /** Replaces an existing output with --force. */
  force?: boolean;
  /** Resume claimed: the command that continues, and the comparison with the reference output. */
  resume?: { argv(out: string): Promise<string[] | undefined>; equal(out: string, ref: string): Promise<string | undefined> };
  /** Files beside the output that are part of its documented state (besides the lock and hidden temporaries). */
  journal?(out: string): string[];
  /** Trials of this command (the slow ones may get fewer). */
  trials: number;
}

function weightsEqual(a: string, b: string): string | undefined {
  const x = loadCheckpoint<{ step: number }>(a);
  const y = loadCheckpoint<{ step: number }>(b);
  if (x.meta.step !== y.meta.step) return `step ${x.meta.step} vs ${y.meta.step}`;
  for (const [k, v] of Object.entries(y.arrays)) {
    const w = x.arrays[k];
    if (!w || w.length !== v.length) return `array ${k} differs in shape`;
    for (let i = 0; i < v.length; i++) if (w[i] !== v[i]) return `array ${k}[${i}] ${w[i]} vs ${v[i]}`;
  }
  return undefined;
}

function configSet(path: string): { keys: string[]; lines: number; partial: number } {
  const file = readSamples(path, micro);
  return { keys: file.samples.map((s) => configKey(micro, s.config)), lines: file.samples.length, partial: file.partialBytes };
}

/** The shared inputs the commands run on (made by killTrials.ts before any trial). */
export interface TrialInputs {
  /** The micro supernet checkpoint. */
  ckpt: string;
  /** Arguments of the search whose output is `results`. */
  searchArgs: readonly string[];
  /** Folder of that search's results. */
  results: string;
  /** Trials per command, and of the slow ones (profile, verify, demo). */
  trials: number;
  slow: number;
}

/** Every command's trial spec, in kCommands order. */
export function killTrialSpecs({ ckpt, searchArgs, results, trials, slow }: TrialInputs): Spec[] {
  const trainSteps = 12;
  const trainArgs = (out: string) => ['train', '--space', microFile, '--out', out, '--workers', '1', '--batch-size', '16', '--checkpoint-every', '2', '--eval-images', '0', '--backend', 'wasm'];
  const collectArgs = (out: string) => ['collect', '--checkpoint', ckpt, '--out', out, '--n', '6', '--workers', '1', '--eval-images', '100', '--calibration-images', '100', '--backend', 'wasm'];
  const profileArgs = (out: string) => ['profile', '--target', 'ort-cpu:1', '--space', microFile, '--subnets', '30', '--rounds', '5', '--max-rounds', '10', '--warmup', '3', '--budget', '10', '--out', out];

  return [
    {
      command: 'train', out: 'run.ckpt', trials,
      argv: (out) => [...trainArgs(out), '--max-steps', String(trainSteps)],
      read: async (out) => { loadCheckpoint(out); return undefined; },
      resume: {
        argv: async (out) => {
          const step = existsSync(out) ? loadCheckpoint<{ step: number }>(out).meta.step : 0;
          // Killed after its last save: nothing to resume (--max-steps 0 would mean no limit).
          if (step >= trainSteps) return undefined;
          return step === 0 ? [...trainArgs(out), '--max-steps', String(trainSteps)] : [...trainArgs(out), '--resume', '--max-steps', String(trainSteps - step)];
        },
        equal: async (out, ref) => weightsEqual(out, ref),
      },
    },
    {
      command: 'collect', out: 'data.jsonl', trials,
      argv: collectArgs,
      read: async (out) => {
        const s = configSet(out);
        if (s.partial > 0) return `${s.partial} torn bytes`;
        if (new Set(s.keys).size !== s.keys.length) return `${s.keys.length - new Set(s.keys).size} duplicate configs`;
        return undefined;
      },
      resume: {
        argv: async (out) => collectArgs(out),
        equal: async (out, ref) => {
          const a = configSet(out);
          const b = configSet(ref);
          if (a.partial > 0) return `${a.partial} torn bytes`;
          if (new Set(a.keys).size !== a.lines) return `${a.lines - new Set(a.keys).size} duplicates`;
          const same = a.keys.length === b.keys.length && [...a.keys].sort().every((k, i) => k === [...b.keys].sort()[i]);
          return same ? undefined : `configs differ (${a.keys.length} vs ${b.keys.length})`;
        },
      },
    },
    {
      command: 'profile', out: 'profile.json', trials: slow, force: true,
      argv: profileArgs,
      read: async (out) => { loadLatencyProfile(out); return undefined; },
      journal: (out) => [basename(`${out}.partial`)],
      resume: {
        argv: async (out) => existsSync(`${out}.partial`) ? [...profileArgs(out), '--resume', '--force'] : [...profileArgs(out), '--force'],
        equal: async (out) => { loadLatencyProfile(out); return undefined; },
      },
    },
    {
      command: 'search', out: 'search', trials, force: true,
      argv: (out) => ['search', ...searchArgs, '--out', out],
      read: async (out) => searchFolderWhole(out),
    },
    {
      command: 'export', out: 'model.onnx', trials, force: true,
      argv: (out) => ['export', '--checkpoint', ckpt, '--config', 'smallest', '--bn-images', '200', '--backend', 'wasm', '--out', out],
      read: async (out) => { await onnxLoads(out); return undefined; },
    },
    {
      command: 'verify', out: 'verify', trials: slow, force: true,
      argv: (out) => ['verify', join(results, 'search-rpi4.json'), '--out', out, '--backend', 'wasm'],
      read: async (out) => {
        if (!existsSync(join(out, 'verify.json')) || !existsSync(join(out, 'verify.md'))) return 'no verify.json / verify.md';
        JSON.parse(readFileSync(join(out, 'verify.json'), 'utf8'));
        await onnxFilesLoad(out);
        return undefined;
      },
    },
    {
      command: 'demo', out: 'demo', trials: slow, force: true,
      argv: (out) => ['demo', '--target', 'macs', '--generations', '1', '--rerank', '0', '--backend', 'wasm', '--out', out],
      read: async (out) => {
        if (!existsSync(join(out, 'report.md'))) return 'no report.md';
        const search = searchFolderWhole(join(out, 'search'));
        if (search) return `search/: ${search}`;
        JSON.parse(readFileSync(join(out, 'verify', 'verify.json'), 'utf8'));
        await onnxFilesLoad(join(out, 'verify'));
        return undefined;
      },
    },
  ];
}
