/**
 * Per-kernel time breakdown of a piece of tensor work, from `tf.profile`. Kernels composed by
 * this project tag their inner kernels (`nestedIn`), and custom-gradient wrappers (records
 * whose name is no registered kernel) contain the kernels they ran, so both are kept out of the
 * total to count every millisecond once.
 */
import { tf } from './tf.js';
import type { ProfileRecord } from './kernels/composite.js';

export interface KernelTime {
  name: string;
  ms: number;
  calls: number;
  /** Fraction of `totalMs`. */
  share: number;
}

export interface KernelBreakdown {
  backend: string;
  /** Sum of top-level kernel times. */
  totalMs: number;
  /** Top-level kernels, slowest first. */
  kernels: KernelTime[];
  /** Kernels inside composed kernels, as 'Outer > Inner', slowest first (already in their outer kernel). */
  nested: KernelTime[];
  /** Custom-gradient wrappers (their time is already in the kernels they ran). */
  wrappers: KernelTime[];
}

function add(map: Map<string, { ms: number; calls: number }>, name: string, ms: number): void {
  const entry = map.get(name) ?? { ms: 0, calls: 0 };
  entry.ms += ms;
  entry.calls += 1;
  map.set(name, entry);
}

function sorted(map: Map<string, { ms: number; calls: number }>, total: number): KernelTime[] {
  return [...map]
    .map(([name, e]) => ({ name, ms: e.ms, calls: e.calls, share: total > 0 ? e.ms / total : 0 }))
    .sort((a, b) => b.ms - a.ms);
}

/** Runs `f` once under `tf.profile` and aggregates kernel times by name. */
export async function profileKernels(f: () => void): Promise<KernelBreakdown> {
  const backend = tf.getBackend();
  const checking = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  let info: Awaited<ReturnType<typeof tf.profile>>;
  try {
    info = await tf.profile(() => {
      f();
      return [] as tf.Tensor[];
    });
  } finally {
    tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', checking);
  }
  const top = new Map<string, { ms: number; calls: number }>();
  const nested = new Map<string, { ms: number; calls: number }>();
  const wrappers = new Map<string, { ms: number; calls: number }>();
  for (const record of info.kernels as unknown as ProfileRecord[]) {
    const ms = typeof record.kernelTimeMs === 'number' ? record.kernelTimeMs : 0;
    if (record.nestedIn) add(nested, `${record.nestedIn} > ${record.name}`, ms);
    else if (!tf.getKernel(record.name, backend)) add(wrappers, record.name, ms);
    else add(top, record.name, ms);
  }
  const totalMs = [...top.values()].reduce((s, e) => s + e.ms, 0);
  return { backend, totalMs, kernels: sorted(top, totalMs), nested: sorted(nested, totalMs), wrappers: sorted(wrappers, totalMs) };
}
