/**
 * The machine line every benchmark prints and records beside its figures: CPU model and
 * identity, cores and the instruction-set flags that change onnxruntime's kernels.
 */
import os from 'node:os';
import { cpuFlags, cpuId } from '../profiling/machine.js';

const kShownFlags = ['avx2', 'avx512f', 'avx512_vnni', 'avx_vnni'] as const;

/** e.g. 'AMD EPYC (family 25 model 17 stepping 1), 2 cores; avx2 yes, avx512f yes, avx512_vnni yes, avx_vnni no'. */
export function benchMachine(): string {
  const flags = cpuFlags() ?? [];
  const id = cpuId();
  return `${os.cpus()[0]?.model.trim() ?? 'unknown CPU'}${id !== undefined ? ` (${id})` : ''}, ${os.availableParallelism()} cores; ${kShownFlags.map((f) => `${f} ${flags.includes(f) ? 'yes' : 'no'}`).join(', ')}`;
}
