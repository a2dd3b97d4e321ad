/**
 * Kill -9 trials of every command that writes (issue 16): each command is run once
 * uninterrupted (its wall time and its reference output), then `--trials` times started and
 * killed with SIGKILL at a seeded random fraction (5-85%) of that wall time (a run that ends
 * before its moment, the machine being faster then, is counted as not killed). After each kill the output
 * is read the way hwnas reads it and classed as absent, the previous complete version, complete
 * (valid), damaged (present but unreadable) or half-whole (readable but incomplete: a search
 * folder without its completion marker, a dataset with a torn line or duplicates, a verify
 * folder without its report). Files left beside the output other than its lock, hidden
 * temporaries and the documented profile journal are counted as stray. Then the next run is
 * started on the same output (a stale lock of the killed PID must not block it); where resume is
 * claimed it resumes and its result is compared with the uninterrupted run (train: identical
 * weights; collect: the same configs, each once; profile: completes with a valid profile).
 *
 * Inputs are the smallest real ones that exercise each writing path: the micro space fixture, a
 * micro checkpoint trained here for a few steps, a tiny random predictor, analytic or proxy
 * targets, few steps / samples / subnets / generations. Odd trials of the commands with --force
 * start over a previous complete output, so the replacing path is killed too.
 *
 * The commands and how each is read: killTrialSpecs.ts; one command's trials: killTrialRunner.ts.
 *
 *   npm run bench:kill-trials -- [--trials 10] [--commands train,collect,...] [--seed 1] [--json out.json]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { benchArgs, fail, intFlag } from './args.js';
import { Rng } from '../space/rng.js';
import { ConfigEncoder } from '../predictors/ConfigEncoder.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import { mustSucceed, runCli, runKillTrials } from './killTrialRunner.js';
import { kCommands, killTrialSpecs, micro, microFile } from './killTrialSpecs.js';

const name = 'bench:kill-trials';

const args = benchArgs(name, {
  trials: { type: 'string', default: '10' },
  commands: { type: 'string', default: kCommands.join(',') },
  'slow-trials': { type: 'string' },
  seed: { type: 'string', default: '1' },
  json: { type: 'string' },
  keep: { type: 'boolean', default: false },
});

async function main(): Promise<void> {
  const trials = intFlag('trials', args.trials, 1);
  const slow = args['slow-trials'] === undefined ? trials : intFlag('slow-trials', args['slow-trials'], 1);
  const seed = intFlag('seed', args.seed, 0);
  const wanted = args.commands.split(',').map((c) => c.trim()).filter((c) => c !== '');
  for (const c of wanted) if (!(kCommands as readonly string[]).includes(c)) throw new Error(`--commands: unknown command '${c}' (choose from ${kCommands.join(', ')})`);

  const work = mkdtempSync(join(tmpdir(), 'hwnas-kill-trials-'));
  const t0 = performance.now();
  try {
    // Shared inputs: a micro supernet trained a few steps, a tiny random predictor with bits.
    const ckpt = join(work, 'micro.ckpt');
    mustSucceed(await runCli(['train', '--space', microFile, '--out', ckpt, '--workers', '1', '--batch-size', '16', '--max-steps', '2', '--eval-images', '0', '--backend', 'wasm']), 'setup: train');
    const predictor = join(work, 'predictor.json');
    const rng = new Rng(3);
    const encoder = ConfigEncoder.forSpace(micro, { bits: true });
    const dense = (inputs: number, outputs: number) => ({
      inputs, outputs, weights: Float32Array.from({ length: inputs * outputs }, () => rng.normal() * 0.1), bias: Float32Array.from({ length: outputs }, () => 0.8),
    });
    new MlpPredictor(encoder, [dense(encoder.dim, 8), dense(8, 1)]).save(predictor);
    const searchArgs = ['--checkpoint', ckpt, '--predictor', predictor, '--target', 'rpi4', '--max-latency', '10ms', '--target', 'macs', '--max-latency', '6',
      '--generations', '3', '--population', '12', '--workers', '1', '--seed', '2'];
    const results = join(work, 'search-input');
    mustSucceed(await runCli(['search', ...searchArgs, '--out', results]), 'setup: search');

    const specs = killTrialSpecs({ ckpt, searchArgs, results, trials, slow });

    const rows: Array<Record<string, unknown>> = [];
    for (const spec of specs.filter((s) => wanted.includes(s.command))) {
      const row = await runKillTrials(spec, work, seed * 1000 + kCommands.indexOf(spec.command), args.keep);
      rows.push(row);
      console.log(`${spec.command}: ${JSON.stringify({ ...row, problems: row.problems.length })}`);
      for (const p of row.problems) console.log(`  ${p}`);
    }

    const pad = (s: string, n: number) => s.padEnd(n);
    const header = ['command', 'trials', 'killed', 'wall s', 'absent', 'previous', 'complete', 'damaged', 'half-whole', 'stray', 'lock blocked', 'resume equal'];
    console.log(`\n${header.map((h, i) => pad(h, i === 0 ? 9 : 13)).join('')}`);
    for (const r of rows) {
      const cells = [r.command, r.trials, (r.trials as number) - (r.finishedBeforeKill as number), r.wallSeconds, r.absent, r.previous, r.complete, r.damaged, r['half-whole'], r.stray, r.blockedByStaleLock,
        r.resumeEqual === null ? 'not claimed' : `${r.resumeEqual}/${r.trials}`].map(String);
      console.log(cells.map((c, i) => pad(c, i === 0 ? 9 : 13)).join(''));
    }
    const seconds = (performance.now() - t0) / 1000;
    console.log(`\n${seconds.toFixed(0)} s in all; kill moments: seed ${seed}, uniform in 5-85% of each command's uninterrupted wall time`);
    if (args.json) {
      mkdirSync(dirname(args.json), { recursive: true });
      writeFileSync(args.json, `${JSON.stringify({ date: new Date().toISOString(), seed, seconds: Math.round(seconds), rows }, null, 2)}\n`);
    }
  } finally {
    if (!args.keep) rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

main().then(() => process.exit(0), (err) => fail(name, err));
