/**
 * The hardware target registry (like tfjs kernels): one file per target under
 * latency/targets/, all registered in one loop below, names from the frozen table in
 * targetNames.ts. Registered now: the proxies (macs, params, bitops, bytes), the analytic
 * devices (rpi4, phone-big, gpu-small) and the measured runtimes (ort-cpu, tfjs-wasm, tfjs-node).
 *
 * Adding a target:
 *   1. add its name to kTargetNames in targetNames.ts;
 *   2. write latency/targets/<name>.ts exporting a `Target` (proxyTarget, deviceTarget or
 *      measuredTarget). A measured target's model reads a latency profile: the timing itself
 *      is done by `hwnas profile` (profiling/, whose bench runtimes must learn the new
 *      name), never in the model, which runs inside the search;
 *   3. import it here and append it to kBuiltinTargets.
 * Loading this module throws if the table and the files disagree.
 */
import { kDefaultMeasuredThreads } from './measuredTarget.js';
import type { LowerFn, Target, TargetKind, TargetModel, TargetOptions } from './target.js';
import { isTargetName, kTargetNames } from './targetNames.js';
import type { TargetName } from './targetNames.js';
import { bitopsTarget } from './targets/bitops.js';
import { bytesTarget } from './targets/bytes.js';
import { gpuSmallTarget } from './targets/gpu-small.js';
import { macsTarget } from './targets/macs.js';
import { paramsTarget } from './targets/params.js';
import { phoneBigTarget } from './targets/phone-big.js';
import { rpi4Target } from './targets/rpi4.js';
import { ortCpuTarget } from './targets/ort-cpu.js';
import { tfjsNodeTarget } from './targets/tfjs-node.js';
import { tfjsWasmTarget } from './targets/tfjs-wasm.js';

export { isTargetName, kTargetNames };
export type { TargetName };

const kBuiltinTargets: readonly Target[] = [
  macsTarget,
  paramsTarget,
  bitopsTarget,
  bytesTarget,
  rpi4Target,
  phoneBigTarget,
  gpuSmallTarget,
  ortCpuTarget,
  tfjsWasmTarget,
  tfjsNodeTarget,
];

const registry = new Map<TargetName, Target>();

function registerTarget(target: Target): void {
  if (!isTargetName(target.name)) {
    throw new Error(`target '${target.name}' is not in kTargetNames (latency/targetNames.ts): add it there first`);
  }
  if (registry.has(target.name)) throw new Error(`target '${target.name}' is registered twice`);
  registry.set(target.name, target);
}

for (const target of kBuiltinTargets) registerTarget(target);
for (const name of kTargetNames) {
  if (!registry.has(name)) throw new Error(`target '${name}' is in kTargetNames but no file under latency/targets/ registers it`);
}

/** A parsed `NAME` or `NAME:THREADS` target spec, as given on the command line. */
export interface TargetSpec {
  name: string;
  threads?: number;
}

/**
 * Parses 'ort-cpu:2' into { name: 'ort-cpu', threads: 2 } and 'macs' into { name: 'macs' }.
 * Checks the syntax only; getTarget checks that the name exists.
 */
export function parseTargetSpec(spec: string): TargetSpec {
  const parts = spec.trim().split(':');
  const name = parts[0];
  if (parts.length > 2 || !/^[a-z0-9][a-z0-9-]*$/.test(name)) {
    throw new RangeError(
      `invalid target spec '${spec}': expected NAME or NAME:THREADS, NAME of lower-case letters, digits and dashes (e.g. rpi4:2)`,
    );
  }
  if (parts.length === 1) return { name };
  const threadText = parts[1];
  if (!/^[1-9][0-9]*$/.test(threadText)) {
    throw new RangeError(`invalid target spec '${spec}': THREADS must be a positive integer (got '${threadText}')`);
  }
  return { name, threads: Number(threadText) };
}

/** The registered target of that name; throws listing the valid names otherwise. */
export function getTarget(name: string): Target {
  const target = isTargetName(name) ? registry.get(name) : undefined;
  if (target === undefined) {
    throw new RangeError(`unknown target '${name}': valid targets are ${kTargetNames.join(', ')}`);
  }
  return target;
}

/** Every registered target, in table order. */
export function listTargets(): readonly Target[] {
  return kTargetNames.map((name) => registry.get(name) as Target);
}

/**
 * A target spec parsed and looked up once, at the boundary (CLI, results file, job): plain
 * data, so it crosses worker threads and files unchanged. Pass it on instead of the string.
 */
export interface ResolvedTarget {
  /** Canonical spec: a measured target always names its threads ('ort-cpu' -> 'ort-cpu:1'). */
  readonly spec: string;
  /** The spec as given: results files and --profile maps are keyed by it. */
  readonly given: string;
  readonly name: TargetName;
  /** Threads from the spec; a measured target's default when it gives none. */
  readonly threads?: number;
  readonly kind: TargetKind;
  readonly unit: string;
  readonly description: string;
}

/** Parses and looks up `spec`; throws on bad syntax or listing the valid names for an unknown one. */
export function resolveTarget(spec: string): ResolvedTarget {
  const parsed = parseTargetSpec(spec);
  const { name, kind, unit, description } = getTarget(parsed.name);
  const threads = parsed.threads ?? (kind === 'measured' ? kDefaultMeasuredThreads : undefined);
  const canonical = threads === undefined ? name : `${name}:${threads}`;
  return Object.freeze({ spec: canonical, given: spec, name, ...(threads === undefined ? {} : { threads }), kind, unit, description });
}

/**
 * Finds the target of `spec` (parsed here when a string) and creates its model; `options.profile`
 * reaches measured targets (the spec gives the threads). Rejects on any error.
 */
export async function createTargetModel(spec: string | ResolvedTarget, lower: LowerFn, options: Omit<TargetOptions, 'threads'> = {}): Promise<TargetModel> {
  const { name, threads } = typeof spec === 'string' ? parseTargetSpec(spec) : spec;
  return getTarget(name).createModel(lower, threads === undefined ? { ...options } : { ...options, threads });
}
