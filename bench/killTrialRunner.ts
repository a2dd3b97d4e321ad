/**
 * The trials of one command for bench:kill-trials (killTrials.ts): its uninterrupted run, then
 * each trial started, killed with SIGKILL at a seeded moment, its output classed, stray files
 * counted and the next run on the same output checked (resumed where claimed).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Rng } from '../space/rng.js';
import { lockPath } from '../util/outputLock.js';
import { findPackageRoot } from '../util/packageRoot.js';
import type { Spec } from './killTrialSpecs.js';

// The CLI is run as a user runs it (a child process), never imported.
const cli = join(findPackageRoot(import.meta.url), 'dist', 'scripts', 'cli.js');

interface Run { code: number | null; signal: string | null; stdout: string; stderr: string; seconds: number; killedAt?: number }

/** Runs the CLI; with `killAfterMs`, sends SIGKILL then unless it has ended. */
export function runCli(argv: string[], killAfterMs?: number): Promise<Run> {
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

export function mustSucceed(r: Run, what: string): void {
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

/**
 * Runs the trials of `spec` in folder `work/<command>`, kill moments drawn from `rngSeed`;
 * `keep` keeps each trial's folder. Resolves to the command's row of the report.
 */
export async function runKillTrials(spec: Spec, work: string, rngSeed: number, keep: boolean): Promise<Record<string, unknown> & { problems: string[] }> {
  const dir = join(work, spec.command);
  mkdirSync(dir);
  // The uninterrupted run: its wall time sets the kill moments; its output is the reference.
  const ref = join(dir, `ref-${spec.out}`);
  const first = await runCli(spec.argv(ref));
  mustSucceed(first, `${spec.command} (uninterrupted)`);
  const refWhy = await spec.read(ref);
  if (refWhy) throw new Error(`${spec.command}: the uninterrupted output is incomplete: ${refWhy}`);
  const wall = first.seconds;
  const rng = new Rng(rngSeed);
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
    if (!keep) rmSync(tdir, { recursive: true, force: true });
  }
  return {
    command: spec.command, trials: spec.trials, wallSeconds: Number(wall.toFixed(1)), finishedBeforeKill: finishedFirst,
    ...counts, stray, blockedByStaleLock: blocked, nextRunFailed: nextFailed,
    resumeEqual: spec.resume ? resumeEqual : null, problems,
  };
}
