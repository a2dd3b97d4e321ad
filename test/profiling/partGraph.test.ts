import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { createSession } from '../../profiling/ort.js';
import { benchGraph } from '../../profiling/benchGraph.js';
import { benchInput } from '../../profiling/benchRuntime.js';
import { partGraphs, type TimedGraph } from '../../profiling/partGraph.js';
import { partSpec } from '../../profiling/variants.js';
import { isFinalized } from '../../supernet/quant/finalizeGraph.js';
import { toOnnx } from '../../supernet/export/onnx/toOnnx.js';
import { layersOf } from '../../space/layers.js';
import { largestConfig } from '../../space/searchSpace.js';
import type { SubnetConfig } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';

const space = microSpace();
const mixed: SubnetConfig = { ...largestConfig(space, { quant: 'mixed' }), wBits: [4, 32, 8, 32], aBits: [8, 32, 32, 8] };

async function runs(timed: TimedGraph): Promise<number> {
  const session = await createSession(toOnnx(timed.graph));
  try {
    const y = await session.run(benchInput(timed.graph.inputShape), [1, ...timed.graph.inputShape]);
    assert.ok(y.every(Number.isFinite));
    return y.length;
  } finally {
    await session.release();
  }
}

describe('benchGraph', () => {
  it('builds the float graph of a float config and the finalized QDQ graph of one with bits', () => {
    const float = benchGraph(space, largestConfig(space));
    assert.equal(float.quantized, false);
    assert.ok(float.ops.every((op) => op.op !== 'quant'));
    const q = benchGraph(space, mixed);
    assert.ok(q.quantized && isFinalized(q));
    const relu = q.ops.filter((op) => op.op === 'quant' && op.x.endsWith('.relu'));
    assert.ok(relu.length > 0);
    for (const op of relu) assert.equal(op.op === 'quant' && op.qp?.zeroPoint, 0);
  });
});

describe('partGraphs', () => {
  for (const [name, cfg] of [['float', largestConfig(space)], ['mixed', mixed]] as const) {
    it(`cuts a ${name} graph into parts that tile it, each runnable with its baseline`, async () => {
      const graph = benchGraph(space, cfg);
      const parts = latencyParts(layersOf(space, cfg));
      const owned: string[] = [];
      for (let i = 0; i < parts.length; i++) {
        const spec = partSpec(space, cfg, parts, i);
        const { part, baseline } = partGraphs(graph, spec);
        const prologue = baseline.graph.ops;
        assert.deepEqual(part.graph.ops.slice(0, prologue.length), prologue, 'the part starts with its baseline\'s prologue');
        owned.push(...part.graph.ops.slice(prologue.length).map((op) => op.y));
        const [oh, ow, oc] = spec.outputShape;
        assert.equal(await runs(part), oh * ow * oc);
        assert.equal(await runs(baseline), spec.inputShape.reduce((a, b) => a * b, 1));
      }
      assert.deepEqual(owned, graph.ops.map((op) => op.y));
    });
  }

  it('brings the previous part\'s quantization along as the prologue of a part reading a quantized tensor', () => {
    const graph = benchGraph(space, mixed);
    const parts = latencyParts(layersOf(space, mixed));
    // Block slot 1 (float) reads block slot 0's quantized output.
    const { part, baseline } = partGraphs(graph, partSpec(space, mixed, parts, 2));
    assert.equal(baseline.graph.ops.length, 1);
    assert.equal(baseline.graph.ops[0].op, 'quant');
    assert.equal(part.graph.input, baseline.graph.input);
    assert.ok(part.graph.quantized);
    // Block slot 2 (8-bit weights, float activations) reads a float tensor: no prologue.
    const next = partGraphs(graph, partSpec(space, mixed, parts, 3));
    assert.equal(next.baseline.graph.ops.length, 0);
  });

  it('refuses a part the graph does not have', () => {
    const graph = benchGraph(space, largestConfig(space));
    assert.throws(() => partGraphs(graph, { kind: 'block', slot: 9, inputShape: [1, 1, 1], outputShape: [1, 1, 1] }), /no operators of part block9/);
  });
});
