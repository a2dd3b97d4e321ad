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
 *   npm run bench:kill-trials -- [--trials 10] [--commands train,collect,...] [--seed 1] [--json out.json]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { benchArgs, fail, intFlag } from './args.js';
import { Rng } from '../space/rng.js';
import { parseSearchSpace } from '../space/schema.js';
import { configKey } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import { loadCheckpoint } from '../supernet/train/checkpoint.js';
import { readSamples } from '../predictors/samples.js';
import { ConfigEncoder } from '../predictors/ConfigEncoder.js';
import { MlpPredictor } from '../predictors/MlpPredictor.js';
import { loadLatencyProfile } from '../latency/latencyProfile.js';
import { readSearchResult } from '../pipeline/searchResultFile.js';
import { kSearchMarker } from '../pipeline/searchOutput.js';
import { createSession } from '../profiling/ort.js';
import { lockPath } from '../util/outputLock.js';
import { findPackageRoot } from '../util/packageRoot.js';

const name = 'bench:kill-trials';
const kCommands = ['train', 'collect', 'profile', 'search', 'export', 'verify', 'demo'] as const;
type Command = typeof kCommands[number];

const args = benchArgs(name, {
  trials: { type: 'string', default: '10' },
  commands: { type: 'string', default: kCommands.join(',') },
  'slow-trials': { type: 'string' },
  seed: { type: 'string', default: '1' },
  json: { type: 'string' },
  keep: { type: 'boolean', default: false },
});

// The CLI is run as a user runs it (a child process), never imported.
const root = findPackageRoot(import.meta.url);
const cli = join(root, 'dist', 'scripts', 'cli.js');
const microFile = join(root, 'test/fixtures/microSpace.json');
const micro: SearchSpace = parseSearchSpace(readFileSync(microFile, 'utf8'));

interface Run { code: number | null; signal: string | null; stdout: string; stderr: string; seconds: number; killedAt?: number }

/** Runs the CLI; with `killAfterMs`, sends SIGKILL then unless it has ended. */
function runCli(argv: string[], killAfterMs?: number): Promise<Run> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, [cli, ...argv], { env: { ...process.env, HWNAS_DEBUG: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    let killedAt: number | undefined;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => {
      killedAt = (performance.now() - t0) / 1000;
      child.kill('SIGKILL');
    }, killAfterMs);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, seconds: (performance.now() - t0) / 1000, ...(killedAt !== undefined && signal === 'SIGKILL' ? { killedAt } : {}) });
    });
  });
}

function mustSucceed(r: Run, what: string): void {
  if (r.code !== 0) throw new Error(`${what} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
}

/** Hash of a file, or of a folder's relative paths and contents. */
function digest(path: string): string {
  const h = createHash('sha256');
  const walk = (p: string, rel: string): void => {
    if (statSync(p).isDirectory()) {
      for (const n of readdirSync(p).sort()) walk(join(p, n), `${rel}/${n}`);
    } else h.update(rel).update(readFileSync(p));
  };
  walk(path, '');
  return h.digest('hex');
}

type State = 'absent' | 'previous' | 'complete' | 'damaged' | 'half-whole';
interface Check { state: State; why?: string }

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

interface Spec {
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

    const trainSteps = 12;
    const trainArgs = (out: string) => ['train', '--space', microFile, '--out', out, '--workers', '1', '--batch-size', '16', '--checkpoint-every', '2', '--eval-images', '0', '--backend', 'wasm'];
    const collectArgs = (out: string) => ['collect', '--checkpoint', ckpt, '--out', out, '--n', '6', '--workers', '1', '--eval-images', '100', '--calibration-images', '100', '--backend', 'wasm'];
    const profileArgs = (out: string) => ['profile', '--target', 'ort-cpu:1', '--space', microFile, '--subnets', '30', '--rounds', '5', '--max-rounds', '10', '--warmup', '3', '--budget', '10', '--out', out];

    const specs: Spec[] = [
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

    const rows: Array<Record<string, unknown>> = [];
    for (const spec of specs.filter((s) => wanted.includes(s.command))) {
      const dir = join(work, spec.command);
      mkdirSync(dir);
      // The uninterrupted run: its wall time sets the kill moments; its output is the reference.
      const ref = join(dir, `ref-${spec.out}`);
      const first = await runCli(spec.argv(ref));
      mustSucceed(first, `${spec.command} (uninterrupted)`);
      const refWhy = await spec.read(ref);
      if (refWhy) throw new Error(`${spec.command}: the uninterrupted output is incomplete: ${refWhy}`);
      const wall = first.seconds;
      const rng = new Rng(seed * 1000 + kCommands.indexOf(spec.command));
      const counts = { absent: 0, previous: 0, complete: 0, damaged: 0, 'half-whole': 0 } as Record<State, number>;
      let finishedFirst = 0;
      let stray = 0;
      let blocked = 0;
      let nextFailed = 0;
      let resumeEqual = 0;
      const problems: string[] = [];
      for (let t = 0; t < spec.trials; t++) {
        const tdir = join(dir, `trial-${t}`);
        mkdirSync(tdir);
        const out = join(tdir, spec.out);
        const replacing = spec.force === true && t % 2 === 1;
        let previous: string | undefined;
        if (replacing) {
          cpSync(ref, out, { recursive: true });
          previous = digest(out);
        }
        const fraction = 0.05 + 0.8 * rng.next();
        const argv = [...spec.argv(out), ...(replacing ? ['--force'] : [])];
        const killed = await runCli(argv, fraction * wall * 1000);
        if (killed.signal !== 'SIGKILL') {
          finishedFirst++;
          if (killed.code !== 0) problems.push(`trial ${t}: exited ${killed.code} before the kill: ${killed.stderr.trim().split('\n').pop()}`);
        }
        // The output as hwnas reads it.
        let check: Check;
        if (!existsSync(out)) check = { state: 'absent' };
        else if (previous !== undefined && digest(out) === previous) check = { state: 'previous' };
        else {
          try {
            const why = await spec.read(out);
            check = why ? { state: 'half-whole', why } : { state: 'complete' };
          } catch (err) {
            check = { state: 'damaged', why: (err as Error).message.split('\n')[0] };
          }
        }
        counts[check.state]++;
        if (check.why) problems.push(`trial ${t} (killed at ${(fraction * 100).toFixed(0)}%): ${check.state}: ${check.why}`);
        // Files beside it: the lock and hidden temporaries of this output are expected after -9.
        const allowed = new Set([spec.out, basename(lockPath(out)), ...(spec.journal?.(out) ?? [])]);
        const others = readdirSync(tdir).filter((n) => !allowed.has(n) && !n.startsWith(`.${spec.out}.tmp-`));
        if (others.length > 0) {
          stray++;
          problems.push(`trial ${t}: stray files ${others.join(', ')}`);
        }
        // The next run on the same output: resumes where claimed, else runs again (replacing what is there).
        const nextArgv = spec.resume ? await spec.resume.argv(out) : [...spec.argv(out), ...(existsSync(out) ? ['--force'] : [])];
        const next = nextArgv === undefined ? { code: 0, stderr: '' } : await runCli(nextArgv);
        if (next.code !== 0) {
          if (/being written by another hwnas run/.test(next.stderr)) blocked++;
          else nextFailed++;
          problems.push(`trial ${t}: next run exited ${next.code}: ${next.stderr.trim().split('\n').pop()}`);
          continue;
        }
        const nextWhy = await spec.read(out).catch((err: Error) => `unreadable: ${err.message}`);
        if (nextWhy) problems.push(`trial ${t}: after the next run: ${nextWhy}`);
        if (spec.resume) {
          const eq = await spec.resume.equal(out, ref);
          if (eq === undefined && !nextWhy) resumeEqual++;
          else problems.push(`trial ${t}: resumed result differs: ${eq ?? nextWhy}`);
        }
        const leftover = readdirSync(tdir).filter((n) => n.startsWith(`.${spec.out}.tmp-`) || n === basename(lockPath(out)));
        if (leftover.length > 0) problems.push(`trial ${t}: after the next run still beside it: ${leftover.join(', ')}`);
        if (!args.keep) rmSync(tdir, { recursive: true, force: true });
      }
      const row = {
        command: spec.command, trials: spec.trials, wallSeconds: Number(wall.toFixed(1)), finishedBeforeKill: finishedFirst,
        ...counts, stray, blockedByStaleLock: blocked, nextRunFailed: nextFailed,
        resumeEqual: spec.resume ? resumeEqual : null, problems,
      };
      rows.push(row);
      console.log(`${spec.command}: ${JSON.stringify({ ...row, problems: problems.length })}`);
      for (const p of problems) console.log(`  ${p}`);
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
