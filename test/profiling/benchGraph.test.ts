import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { benchGraph } from '../../profiling/benchGraph.js';
import { createSession, releaseCachedSessions } from '../../profiling/ort.js';
import { partGraphs } from '../../profiling/partGraph.js';
import { isFinalized } from '../../supernet/quant/finalizeGraph.js';
import { toOnnx } from '../../supernet/export/onnx/toOnnx.js';
import { tf } from '../../supernet/backend/tf.js';
import { subnetPlan } from '../../space/plan.js';
import { layersOf } from '../../space/layers.js';
import { hybridMicroSpace, kHybridCases } from '../fixtures/hybridSpace.js';

const space = hybridMicroSpace();

describe('benchGraph of every block family', () => {
  after(() => releaseCachedSessions());

  for (const c of kHybridCases) {
    it(`${c.name}: the random-weight graph has the export's convolutions, runs in onnxruntime and cuts into parts`, async () => {
      const before = tf.memory().numTensors;
      const graph = benchGraph(space, c.config);
      assert.equal(tf.memory().numTensors, before, 'tensors leaked');
      assert.equal(graph.quantized, c.config.wBits !== undefined);
      if (graph.quantized) assert.ok(isFinalized(graph));
      // One convolution per conv/dwconv/fc layer the accounting counts (SE has two; these blocks have none).
      const counted = layersOf(space, c.config).filter((l) => l.kind === 'conv' || l.kind === 'dwconv' || l.kind === 'fc').length;
      assert.equal(graph.ops.filter((op) => op.op === 'conv').length, counted);
      const session = await createSession(toOnnx(graph));
      const y = await session.run(new Float32Array(2 * 784).fill(0.5), [2, 28, 28, 1]);
      await session.release();
      assert.equal(y.length, 20);
      assert.ok(y.every(Number.isFinite));
      // Each block reads one tensor from outside it, as the latency parts need.
      const plan = subnetPlan(space, c.config);
      for (const b of plan.blocks) {
        const { part } = partGraphs(graph, { kind: 'block', slot: b.slot, inputShape: [1, 1, b.inC], outputShape: [1, 1, b.outC] });
        assert.ok(part.graph.ops.some((op) => op.op === 'conv' && op.name.startsWith(`block${b.slot}.`)));
      }
      partGraphs(graph, { kind: 'head', inputShape: [1, 1, plan.classifier.inC], outputShape: [1, 1, 10] });
    });
  }
});
