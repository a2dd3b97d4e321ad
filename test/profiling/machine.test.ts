import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuFlagsOf, cpuIdOf, machineDifferences, machineInfo, type MachineInfo } from '../../profiling/machine.js';

const runtime = { runtime: { name: 'onnxruntime-node', version: '1.30.0' } };

describe('machine fingerprint', () => {
  it('keeps the kernel-relevant flags of /proc/cpuinfo, sorted', () => {
    const x86 = 'processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse4_2 avx2 fma avx512f avx512_vnni sha_ni\n';
    assert.deepEqual(cpuFlagsOf(x86), ['avx2', 'avx512_vnni', 'avx512f', 'fma', 'sse4_2']);
    assert.deepEqual(cpuFlagsOf('Features\t: fp asimd asimddp crc32\n'), ['asimd', 'asimddp']);
    assert.deepEqual(cpuFlagsOf('nothing here'), []);
  });

  it('reads the processor identity (x86 family/model/stepping, Arm implementer/part)', () => {
    const x86 = 'processor\t: 0\ncpu family\t: 25\nmodel\t\t: 17\nmodel name\t: AMD EPYC\nstepping\t: 1\n';
    assert.equal(cpuIdOf(x86), 'family 25 model 17 stepping 1');
    assert.equal(cpuIdOf('CPU implementer\t: 0x41\nCPU architecture: 8\nCPU part\t: 0xd0c\n'), 'implementer 0x41 part 0xd0c');
    assert.equal(cpuIdOf('model name\t: something\n'), undefined);
  });

  it('records this machine, and finds no difference with itself', () => {
    const here = machineInfo(runtime, new Date('2026-01-01T00:00:00Z'));
    assert.equal(here.runtime.version, '1.30.0');
    assert.equal(here.createdAt, '2026-01-01T00:00:00.000Z');
    assert.ok(here.cores >= 1);
    assert.deepEqual(machineDifferences(here, { ...here, createdAt: '2020-01-01T00:00:00.000Z' }), []);
  });

  it('names the flags, cores and runtime that differ, and unknown flags', () => {
    const a: MachineInfo = { cpuModel: 'AMD EPYC', cpuFlags: ['avx2', 'fma'], cores: 2, platform: 'linux', arch: 'x64', node: '20', runtime: runtime.runtime, createdAt: '2026-01-01T00:00:00.000Z' };
    const b: MachineInfo = { ...a, cpuFlags: ['avx2', 'avx512_vnni', 'avx512f', 'fma'] };
    assert.deepEqual(machineDifferences(a, b), ['cpu flags (none) vs avx512_vnni avx512f']);
    const { cpuFlags: _, ...old } = a;
    assert.deepEqual(machineDifferences(old, b), ['cpu flags unknown vs avx2 avx512_vnni avx512f fma']);
    // One model name, other processors: the identity tells them apart; a profile without it compares by name and flags.
    assert.deepEqual(machineDifferences({ ...a, cpuId: 'family 25 model 17 stepping 1' }, { ...a, cpuId: 'family 26 model 2 stepping 0' }),
      ['cpu family 25 model 17 stepping 1 vs family 26 model 2 stepping 0']);
    assert.deepEqual(machineDifferences(a, { ...a, cpuId: 'family 26 model 2 stepping 0' }), []);
    assert.deepEqual(machineDifferences(a, { ...a, cores: 4, runtime: { name: 'onnxruntime-node', version: '1.31.0' } }),
      ['2 vs 4 cores', 'onnxruntime-node 1.30.0 vs onnxruntime-node 1.31.0']);
  });
});
