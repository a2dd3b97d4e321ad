/** The machine a profile is measured on, as recorded in the profile and its journal. */
import os from 'node:os';
import type { BenchRuntime } from './benchRuntime.js';
import type { LatencyProfile } from '../latency/latencyProfile.js';

export type MachineInfo = LatencyProfile['machine'];

export function machineInfo(runtime: BenchRuntime, now = new Date()): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: Math.max(1, typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length),
    platform: os.platform(),
    arch: os.arch(),
    node: process.versions.node,
    runtime: { ...runtime.runtime },
    createdAt: now.toISOString(),
  };
}

/** Differences that make measurements of two machines incomparable (empty when none). */
export function machineDifferences(a: MachineInfo, b: MachineInfo): string[] {
  const out: string[] = [];
  if (a.cpuModel !== b.cpuModel) out.push(`cpu '${a.cpuModel}' vs '${b.cpuModel}'`);
  if (a.cores !== b.cores) out.push(`${a.cores} vs ${b.cores} cores`);
  if (a.arch !== b.arch || a.platform !== b.platform) out.push(`${a.platform}/${a.arch} vs ${b.platform}/${b.arch}`);
  if (a.runtime.name !== b.runtime.name || a.runtime.version !== b.runtime.version) {
    out.push(`${a.runtime.name} ${a.runtime.version} vs ${b.runtime.name} ${b.runtime.version}`);
  }
  return out;
}
