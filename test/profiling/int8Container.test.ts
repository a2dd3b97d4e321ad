import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchRuntime, LoadedGraph } from '../../profiling/benchRuntime.js';
import { resolveTarget } from '../../latency/targets.js';
import { compareInt8Containers, weightTypeForTarget, withContainer } from '../../profiling/int8Container.js';
import { loadLatencyProfile } from '../../latency/latencyProfile.js';
import { fakeRuntime } from '../fixtures/fakeBenchRuntime.js';
import { nanoSpace, syntheticProfile, writeProfile } from '../fixtures/latencyProfiles.js';
import { join } from 'node:path';
import type { OnnxWeightType } from '../../supernet/export/onnx/toOnnx.js';
import { tempDir } from '../fixtures/tempDir.js';

const space = nanoSpace();
const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 10, targetSpread: 0.05 };

function spin(us: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(us * 1000));
  while (process.hrtime.bigint() < end) {
    // busy
  }
}

/** A runtime whose int8 container takes `int8Us` per run and returns `int8Output`; uint8 takes 200 us and returns [1, 2, 3]. */
function containerRuntime(int8Us: number, int8Output: number[]): BenchRuntime {
  const make = (w: OnnxWeightType): BenchRuntime => ({
    ...fakeRuntime(),
    withWeightType: make,
    async load(): Promise<LoadedGraph> {
      const us = w === 'int8' ? int8Us : 200;
      const out = Float32Array.from(w === 'int8' ? int8Output : [1, 2, 3]);
      return { run: async () => { spin(us); return out; }, release: async () => undefined };
    },
  });
  return make('uint8');
}

describe('compareInt8Containers', () => {
  it('chooses int8 where it is faster and exact', async () => {
    const c = await compareInt8Containers(containerRuntime(80, [1, 2, 3]), space, sampler, 3);
    assert.ok(c !== null);
    assert.equal(c.weightType, 'int8');
    assert.ok(c.int8OverUint8 < 0.7, `ratio ${c.int8OverUint8}`);
    assert.equal(c.int8Exact, true);
    assert.equal(c.subnets, 3);
  });

  it('keeps uint8 where int8 is slower, or faster but wrong (saturation)', async () => {
    const slower = await compareInt8Containers(containerRuntime(500, [1, 2, 3]), space, sampler, 2);
    assert.equal(slower?.weightType, 'uint8');
    assert.ok(slower!.int8OverUint8 > 1.5);
    const wrong = await compareInt8Containers(containerRuntime(80, [1, 2.5, 3]), space, sampler, 2);
    assert.equal(wrong?.weightType, 'uint8');
    assert.equal(wrong?.int8Exact, false);
    assert.ok(Math.abs(wrong!.maxRelativeDifference - 0.5 / 3) < 1e-3);
  });

  it('has nothing to compare on a runtime without a choice of container', async () => {
    const plain = fakeRuntime();
    assert.equal(await compareInt8Containers(plain, space, sampler), null);
    assert.equal(withContainer(plain, 'int8'), plain, 'measuring "with int8 weights" leaves it as it is');
  });

  it('gives exports for a target the container its profile was measured with, else uint8', () => {
    const dir = tempDir('hwnas-int8-');
    const int8 = { weightType: 'int8' as const, int8OverUint8: 0.8, int8Exact: true, maxRelativeDifference: 0, subnets: 4 };
    const path = writeProfile(join(dir, 'p.json'), { ...syntheticProfile(space), int8, measuredWeightType: 'int8' });
    assert.equal(weightTypeForTarget(resolveTarget('ort-cpu:1'), path), 'int8');
    // A profile written before the container was recorded: int8 named faster, table and subnets measured with uint8.
    const older = writeProfile(join(dir, 'older.json'), { ...syntheticProfile(space), int8 });
    assert.equal(loadLatencyProfile(older).int8?.weightType, 'int8', 'it still loads');
    assert.equal(weightTypeForTarget(resolveTarget('ort-cpu:1'), older), 'uint8', 'its quantized predictions are of uint8 graphs');
    assert.equal(weightTypeForTarget(resolveTarget('ort-cpu:1'), writeProfile(join(dir, 'q.json'), syntheticProfile(space))), 'uint8');
    assert.equal(weightTypeForTarget(resolveTarget('ort-cpu:1'), join(dir, 'missing.json')), 'uint8');
    assert.equal(weightTypeForTarget(resolveTarget('tfjs-wasm:1'), path), 'uint8');
  });
});
