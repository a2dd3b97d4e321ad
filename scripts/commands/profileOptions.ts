/** The options of `hwnas profile` and their parsing, shared by its CNN and transformer paths. */
import os from 'node:os';
import { parseIntOption, parsePositiveNumber } from '../options.js';
import type { BenchRuntime } from '../../profiling/benchRuntime.js';
import type { SamplerSettings } from '../../profiling/interleaved.js';

export interface ProfileCliOptions {
  target?: string;
  out?: string;
  evaluate?: string;
  refit?: string;
  adapt?: string;
  samples?: string;
  space: string;
  subnets?: string;
  seed?: string;
  resume?: boolean;
  force?: boolean;
  warmup: string;
  minSampleMs: string;
  rounds: string;
  maxRounds: string;
  targetSpread: string;
  budget?: string;
  noiseModels: string;
  noiseRepeats: string;
  json?: string;
  sizes?: string;
}


export function samplerOf(opts: ProfileCliOptions): SamplerSettings {
  const s: SamplerSettings = {
    warmupRuns: parseIntOption('warmup', opts.warmup, 1),
    minSampleMs: opts.minSampleMs === '0' ? 0 : parsePositiveNumber('min-sample-ms', opts.minSampleMs),
    minRounds: parseIntOption('rounds', opts.rounds, 5),
    maxRounds: parseIntOption('max-rounds', opts.maxRounds, 5),
    targetSpread: parsePositiveNumber('target-spread', opts.targetSpread),
  };
  if (s.maxRounds < s.minRounds) throw new Error(`--max-rounds ${s.maxRounds} is below --rounds ${s.minRounds}: give at least as many`);
  return s;
}

export function describe(runtime: BenchRuntime): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown cpu';
  return `${runtime.target}:${runtime.threads} (${runtime.runtime.name} ${runtime.runtime.version}) on ${cpu}, ${os.availableParallelism()} cores`;
}

export function warnIfBusy(): void {
  const [load] = os.loadavg();
  const cores = os.availableParallelism();
  if (load > 0.5 * cores) {
    process.stderr.write(`warning: the machine is busy (load average ${load.toFixed(1)} on ${cores} cores): measurements take longer and are less precise (each keeps its spread)\n`);
  }
}

export const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
export const num = (x: number, digits = 3) => (Number.isFinite(x) ? x.toFixed(digits) : '-');
