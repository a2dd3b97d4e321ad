import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { benchGraph } from '../../profiling/benchGraph.js';
import { benchInput } from '../../profiling/benchRuntime.js';
import { createSession, releaseCachedSessions } from '../../profiling/ort.js';
import { partGraphs, type TimedGraph } from '../../profiling/partGraph.js';
import { partSpec } from '../../profiling/variants.js';
import { toOnnx } from '../../supernet/export/onnx/toOnnx.js';
import { layersOf } from '../../space/layers.js';
import { hybridMicroSpace, kHybridCases } from '../fixtures/hybridSpace.js';

const space = hybridMicroSpace();

async function outputSize(timed: TimedGraph): Promise<number> {
  const session = await createSession(toOnnx(timed.graph));
  try {
    const y = await session.run(benchInput(timed.graph.inputShape), [1, ...timed.graph.inputShape]);
    assert.ok(y.every(Number.isFinite));
    return y.length;
  } finally {
    await session.release();
  }
}

describe('partGraphs of every block family', () => {
  after(() => releaseCachedSessions());

  for (const c of kHybridCases) {
    it(`${c.name}: the latency parts cut the deployed graph into runnable pieces that tile it`, async () => {
      const graph = benchGraph(space, c.config);
      const parts = latencyParts(layersOf(space, c.config));
      const owned: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        const spec = partSpec(space, c.config, parts, i);
        // Throws unless the part reads exactly one tensor from outside (a resnet block reads its input twice: one tensor).
        const { part, baseline } = partGraphs(graph, spec);
        const prologue = baseline.graph.ops;
        assert.deepEqual(part.graph.ops.slice(0, prologue.length), prologue);
        owned.push(...part.graph.ops.slice(prologue.length).map((op) => op.y));
        if (spec.kind === 'block') assert.ok(part.graph.ops.slice(prologue.length).every((op) => op.y.startsWith(`block${spec.slot}.`)));
        assert.equal(await outputSize(part), spec.outputShape.reduce((a, b) => a * b, 1), `${parts[i].key}: output`);
        assert.equal(await outputSize(baseline), spec.inputShape.reduce((a, b) => a * b, 1), `${parts[i].key}: baseline`);
      }
      assert.deepEqual(owned, graph.ops.map((op) => op.y), 'every operator in exactly one part, in order');
    });
  }
});
