/**
 * The machine a profile is measured on: its fingerprint, recorded in the profile and its
 * journal, and compared with the machine a profile is used on. Two machines "of one kind" can
 * carry different processors (one with AVX2 only, one with AVX-512 and VNNI), and onnxruntime
 * picks other kernels on each: a profile from one predicts the other tens of percent off.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import type { BenchRuntime } from './benchRuntime.js';
import type { LatencyProfile } from '../latency/latencyProfile.js';

export type MachineInfo = LatencyProfile['machine'];

/**
 * The instruction-set flags that change which kernels a CPU runtime runs (x86 vector and dot
 * product extensions, Arm SIMD/dot product/matrix extensions). Other flags do not matter here.
 */
export const kKernelFlags: readonly string[] = Object.freeze([
  'sse4_1', 'sse4_2', 'avx', 'avx2', 'fma', 'f16c', 'avx_vnni',
  'avx512f', 'avx512bw', 'avx512vl', 'avx512dq', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'amx_int8', 'amx_bf16',
  'asimd', 'asimddp', 'asimdhp', 'i8mm', 'sve', 'sve2', 'bf16',
]);

/** The kernel-relevant flags in /proc/cpuinfo's text (x86 'flags', Arm 'Features'), sorted. */
export function cpuFlagsOf(cpuinfo: string): string[] {
  const line = cpuinfo.split('\n').find((l) => /^(flags|Features)\s*:/.test(l));
  if (line === undefined) return [];
  const present = new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/));
  return kKernelFlags.filter((f) => present.has(f)).sort();
}

/**
 * The processor's identity in /proc/cpuinfo's text: x86 family, model and stepping, or an Arm
 * core's implementer and part; undefined when the text has neither. Hypervisors often report
 * one model name ("AMD EPYC") for processors of different generations: these numbers tell
 * them apart where the flags agree.
 */
export function cpuIdOf(cpuinfo: string): string | undefined {
  const field = (name: string): string | undefined => {
    const line = cpuinfo.split('\n').find((l) => new RegExp(`^${name}\\s*:`).test(l));
    return line === undefined ? undefined : line.slice(line.indexOf(':') + 1).trim();
  };
  const [family, model, stepping] = [field('cpu family'), field('model'), field('stepping')];
  if (family !== undefined && model !== undefined) return `family ${family} model ${model}${stepping !== undefined ? ` stepping ${stepping}` : ''}`;
  const [implementer, part] = [field('CPU implementer'), field('CPU part')];
  if (implementer !== undefined && part !== undefined) return `implementer ${implementer} part ${part}`;
  return undefined;
}

function cpuinfoText(): string | undefined {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return undefined;
  }
}

/** This machine's processor identity (cpuIdOf); undefined where the platform does not say. */
export function cpuId(): string | undefined {
  const text = cpuinfoText();
  return text === undefined ? undefined : cpuIdOf(text);
}

/** This machine's kernel-relevant CPU flags; undefined where the platform does not list them. */
export function cpuFlags(): string[] | undefined {
  const text = cpuinfoText();
  return text === undefined ? undefined : cpuFlagsOf(text);
}

export function machineInfo(runtime: Pick<BenchRuntime, 'runtime'>, now = new Date()): MachineInfo {
  const cpus = os.cpus();
  // One read of /proc/cpuinfo for both.
  const text = cpuinfoText();
  const flags = text === undefined ? undefined : cpuFlagsOf(text);
  const id = text === undefined ? undefined : cpuIdOf(text);
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    ...(id !== undefined ? { cpuId: id } : {}),
    ...(flags !== undefined ? { cpuFlags: flags } : {}),
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
  // Profiles before the identity was recorded compare by model name and flags alone.
  if (a.cpuId !== undefined && b.cpuId !== undefined && a.cpuId !== b.cpuId) out.push(`cpu ${a.cpuId} vs ${b.cpuId}`);
  if (a.cpuFlags === undefined || b.cpuFlags === undefined) {
    if (a.cpuFlags !== b.cpuFlags) out.push(`cpu flags ${a.cpuFlags === undefined ? 'unknown' : a.cpuFlags.join(' ')} vs ${b.cpuFlags === undefined ? 'unknown' : b.cpuFlags.join(' ')}`);
  } else {
    const onlyA = a.cpuFlags.filter((f) => !b.cpuFlags!.includes(f));
    const onlyB = b.cpuFlags.filter((f) => !a.cpuFlags!.includes(f));
    const list = (fs: string[]) => (fs.length > 0 ? fs.join(' ') : '(none)');
    if (onlyA.length + onlyB.length > 0) out.push(`cpu flags ${list(onlyA)} vs ${list(onlyB)}`);
  }
  if (a.cores !== b.cores) out.push(`${a.cores} vs ${b.cores} cores`);
  if (a.arch !== b.arch || a.platform !== b.platform) out.push(`${a.platform}/${a.arch} vs ${b.platform}/${b.arch}`);
  if (a.runtime.name !== b.runtime.name || a.runtime.version !== b.runtime.version) {
    out.push(`${a.runtime.name} ${a.runtime.version} vs ${b.runtime.name} ${b.runtime.version}`);
  }
  return out;
}
