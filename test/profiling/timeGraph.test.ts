import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BenchRuntime, LoadedGraph } from '../../profiling/benchRuntime.js';
import type { TimedGraph } from '../../profiling/partGraph.js';
import { timeGraphsInterleaved } from '../../profiling/timeGraph.js';
import { measureTransformerGraph, TransformerGraphCache } from '../../profiling/transformer/measureTransformer.js';
import { largestTransformer } from '../../space/transformer/configs.js';
import { tinyVitSpace } from '../fixtures/vit.js';

function spin(ms: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < end) {
    // busy
  }
}

/**
 * A runtime whose run takes 0.1 ms alone and 0.3 ms while another graph is loaded (the shape of
 * two multi-threaded onnxruntime sessions in one process); it counts loads and the most graphs alive at once.
 */
function crowdedRuntime(threads: number): BenchRuntime & { mostAlive: number; loads: number } {
  let alive = 0;
  const runtime = {
    target: 'fake', threads, runtime: { name: 'fake', version: '1' }, bits: false, mostAlive: 0, loads: 0,
    async load(): Promise<LoadedGraph> {
      alive++;
      runtime.loads++;
      runtime.mostAlive = Math.max(runtime.mostAlive, alive);
      return {
        run: async () => spin(alive > 1 ? 0.3 : 0.1),
        release: async () => void alive--,
      };
    },
    loadOnnx(): Promise<LoadedGraph> {
      return runtime.load();
    },
  };
  return runtime;
}

const graph = {} as TimedGraph;
const sampler = { warmupRuns: 2, minSampleMs: 0, minRounds: 5, maxRounds: 5, targetSpread: 1e9 };

describe('timeGraphsInterleaved', () => {
  it('times graphs side by side on one thread, and one session at a time on several', async () => {
    const one = crowdedRuntime(1);
    const together = await timeGraphsInterleaved(one, [graph, graph], sampler);
    assert.equal(one.mostAlive, 2);
    assert.ok(together.timings.every((t) => t.medianMs > 0.25), `medians ${together.timings.map((t) => t.medianMs)}`);
    const two = crowdedRuntime(2);
    const apart = await timeGraphsInterleaved(two, [graph, graph], sampler, { spreadOf: (t) => t.length });
    assert.equal(two.mostAlive, 1, 'one graph loaded at a time');
    assert.equal(apart.timings.length, 2);
    assert.ok(apart.timings.every((t) => t.medianMs > 0.08 && t.medianMs < 0.25), `medians ${apart.timings.map((t) => t.medianMs)}`);
    assert.equal(apart.spread, 2, "the caller's spread over both graphs' timings");
    assert.equal(apart.noisy, false);
    assert.equal(apart.rounds, 5);
  });
});

describe('measureTransformerGraph', () => {
  const space = tinyVitSpace();
  const onnx = { model: new Uint8Array(0), inputShape: [28, 28, 1] };
  it('times a SubTransformer beside its cached reference on one thread, and each alone on several', async () => {
    const one = crowdedRuntime(1);
    const cacheOne = new TransformerGraphCache(one);
    const together = await measureTransformerGraph(one, onnx, cacheOne.reference(space, largestTransformer(space)), sampler, 'beside');
    await measureTransformerGraph(one, onnx, cacheOne.reference(space, largestTransformer(space)), sampler, 'beside');
    assert.equal(one.loads, 3, 'one reference session for both measurements');
    assert.equal(one.mostAlive, 2);
    assert.ok(together.ms > 0.25 && together.refMs > 0.25, `${together.ms} / ${together.refMs} ms`);
    await cacheOne.release();
    const two = crowdedRuntime(2);
    const apart = await measureTransformerGraph(two, onnx, new TransformerGraphCache(two).reference(space, largestTransformer(space)), sampler, 'alone');
    assert.equal(two.mostAlive, 1, 'one session alive at a time');
    assert.ok(apart.ms > 0.08 && apart.ms < 0.25 && apart.refMs > 0.08 && apart.refMs < 0.25, `${apart.ms} / ${apart.refMs} ms`);
  });
});
