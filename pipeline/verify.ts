/**
 * Verification as a library function: each config a budget search chose, exported as
 * `hwnas export` would, its test accuracy measured in onnxruntime and, on measured targets, its
 * latency measured here - next to what the search predicted. Also which supernet to verify with.
 */
import { sameSpace } from '../space/sameSpace.js';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createBenchRuntime } from '../profiling/benchRuntime.js';
import { machineInfo } from '../profiling/machine.js';
import type { Dataset } from '../supernet/data/types.js';
import type { LoadedSupernet } from '../supernet/io.js';
import { kPackageVersion } from '../util/packageRoot.js';
import { kSilentReporter, type Reporter } from './progress.js';
import type { ChosenConfig } from './searchResultFile.js';
import { checkShipped, kShipped, shippedPath } from './shippedModels.js';
import { verifyConfigs, type VerifyRow } from './verifyConfigs.js';
import { verifyJson, verifyMarkdown, type VerifyProvenance } from './verifyReport.js';

/** The supernet to export from: `given`, else the one the results name, else the shipped one. Throws when it does not exist. */
export function verifyCheckpoint(chosen: readonly ChosenConfig[], given?: string): string {
  if (given !== undefined) {
    if (!existsSync(given)) throw new Error(`checkpoint ${given} does not exist: pass the supernet the search used with --checkpoint`);
    return given;
  }
  const named = [...new Set(chosen.flatMap((c) => (c.checkpoint === null ? [] : [c.checkpoint])))];
  if (named.length > 1) throw new Error(`the results name different supernet checkpoints (${named.join(', ')}): verify them separately, or pass --checkpoint`);
  if (named.length === 1) {
    if (!existsSync(named[0])) {
      const by = chosen.filter((c) => c.checkpoint === named[0]).map((c) => c.source).join(', ');
      throw new Error(`checkpoint ${named[0]}, which ${by} names, does not exist: pass the supernet the search used with --checkpoint`);
    }
    return named[0];
  }
  checkShipped([kShipped.supernet]);
  return shippedPath(kShipped.supernet);
}

/** Throws when a result was searched in another space than the checkpoint's. */
export function checkSameSpace(chosen: readonly ChosenConfig[], loaded: LoadedSupernet, checkpoint: string): void {
  const space = loaded.net.space;
  for (const c of chosen) {
    if (sameSpace(c.space, space)) continue;
    const what = c.space.name === space.name ? `another version of space '${space.name}'` : `space '${c.space.name}'`;
    throw new Error(
      `${c.source} was searched in ${what}, but ${checkpoint} is a supernet of space '${space.name}': ` +
        'verify it with the supernet the search used (--checkpoint), or search again in this one',
    );
  }
}

export interface VerifyRun {
  rows: VerifyRow[];
  provenance: VerifyProvenance;
}

/** Verifies `chosen` into folder `dir` (the models, verify.json and verify.md). */
export async function runVerify(
  chosen: readonly ChosenConfig[], loaded: LoadedSupernet, checkpoint: string, data: Dataset, dir: string, reporter: Reporter = kSilentReporter,
  profiles: Record<string, string> = {},
): Promise<VerifyRun> {
  const t0 = Date.now();
  const measured = chosen.filter((c) => c.resolved.kind === 'measured');
  // Steps: an export per config, a timing per measured one, and the re-timing of a profile before and after each measured target's.
  const bar = reporter.bar(chosen.length + measured.length + 2 * new Set(measured.map((c) => c.target)).size, 0, 'verify [{bar}] {value}/{total} steps | {step}');
  let done = 0;
  let rows: VerifyRow[];
  try {
    rows = await verifyConfigs(chosen, {
      net: loaded.net, data, dir, version: kPackageVersion, profiles,
      metadata: { 'hwnas.checkpoint_step': String(loaded.meta.step) },
      onStep: (line, steps = 1) => {
        bar.log(line);
        done += steps;
        bar.update(done, { step: line });
      },
    });
  } finally {
    bar.stop();
  }
  const provenance: VerifyProvenance = {
    checkpoint, checkpointStep: loaded.meta.step, machine: machineInfo(await createBenchRuntime('ort-cpu', 1)), seconds: (Date.now() - t0) / 1000,
  };
  writeFileSync(join(dir, 'verify.json'), verifyJson(rows, provenance));
  writeFileSync(join(dir, 'verify.md'), verifyMarkdown(rows, provenance));
  return { rows, provenance };
}
