/**
 * `hwnas verify <results.json...>`: each config a budget search chose, exported as `hwnas export`
 * would (fp32 ONNX, or QDQ int8 when the genome has bits), its test accuracy measured in
 * onnxruntime and, on measured targets, its latency measured here - next to what the search
 * predicted. Every input is checked before any work; the models, verify.json and verify.md
 * appear in --out together or not at all. Prints the table.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { buildFolderAtomic } from '../../util/atomicWrite.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { loadSupernet } from '../../supernet/io.js';
import { addBackendOption, addDataDirOption, addProfileOption, type CommonOptions } from '../options.js';
import { parseProfileArgs } from '../../pipeline/profileArgs.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { OutputLock } from '../../util/outputLock.js';
import { cliReporter } from '../progress.js';
import { checkSameSpace, runVerify, verifyCheckpoint } from '../../pipeline/verify.js';
import { startBackend } from '../runtime.js';
import { isTransformerResult } from '../../pipeline/transformerSearch.js';
import { verifyTransformerCommand } from './verifyTransformerCmd.js';

/** Whether `path` holds a transformer search's results (anything unreadable: no, and the CNN reader says why). */
function isTransformerResultFile(path: string): boolean {
  try {
    return isTransformerResult(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return false;
  }
}
import { readSearchResult } from '../../pipeline/searchResultFile.js';
import { kShipped } from '../../pipeline/shippedModels.js';
import { verifyTable } from '../../pipeline/verifyReport.js';
import { noteProfileMachines } from '../profileMachineNote.js';

interface VerifyCliOptions extends CommonOptions {
  checkpoint?: string;
  out: string;
  force?: boolean;
  profile: string[];
}

export function registerVerify(program: Command): void {
  const cmd = program
    .command('verify')
    .description('export each config that hwnas search chose, measure its test accuracy (onnxruntime) and, on measured targets, its latency here; compare with the predictions')
    .argument('<results...>', "results JSON files of 'hwnas search' (budget mode)")
    .option('--checkpoint <path>', `supernet to export from (default: the one the results name, else ${kShipped.supernet.file})`)
    .option('--out <dir>', 'output folder: the ONNX models, verify.json and verify.md', 'runs/verify')
    .option('--force', 'replace an existing --out folder (atomically)');
  addProfileOption(cmd);
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (files: string[], opts: VerifyCliOptions) => {
    if (files.some(isTransformerResultFile)) {
      await startBackend(opts);
      await verifyTransformerCommand(files, opts);
      return;
    }
    const chosen = files.map((f) => readSearchResult(f));
    // The profile each search predicted with (recorded in its results), unless --profile names another.
    const recorded = Object.fromEntries(chosen.flatMap((c) => {
      const path = c.profiles?.[c.target];
      return path !== undefined && existsSync(path) ? [[c.target, path]] : [];
    }));
    const profiles = { ...recorded, ...parseProfileArgs(opts.profile, chosen.map((c) => c.resolved), 'the targets of the results files') };
    await noteProfileMachines(chosen.map((c) => c.resolved), profiles);
    checkOutputPath(opts.out, { kind: 'folder', existing: opts.force === true ? 'replace' : 'refuse' });
    const checkpoint = verifyCheckpoint(chosen, opts.checkpoint);
    const lock = OutputLock.acquire(opts.out);
    await startBackend(opts);
    const loaded = loadSupernet(checkpoint);
    try {
      checkSameSpace(chosen, loaded, checkpoint);
      const data = await loadTrainingData(opts, loaded.net.space, loaded.meta.data, checkpoint);
      const { rows } = await buildFolderAtomic(opts.out, (dir) => runVerify(chosen, loaded, checkpoint, data, dir, cliReporter, profiles));
      process.stderr.write(`wrote ${rows.length} model${rows.length === 1 ? '' : 's'}, verify.json and verify.md to ${opts.out}\n`);
      console.log(verifyTable(rows));
    } finally {
      loaded.net.dispose();
      lock.release();
    }
  });
}
