import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { kRuntimeLatencyFeatures, modelFeatures } from '../../latency/latencyFeatures.js';
import { nchwcBlockOf } from '../../latency/runtimeFeatures.js';
import { benchGraph } from '../../profiling/benchGraph.js';
import { cpuFlags } from '../../profiling/machine.js';
import { createSession } from '../../profiling/ort.js';
import { sampleSubnets } from '../../profiling/subnetSets.js';
import { decodeModel } from '../../supernet/export/onnx/schema.js';
import { toOnnx } from '../../supernet/export/onnx/toOnnx.js';
import { fashionHybrid, fashionMbv3 } from '../../space/defaultSpace.js';
import { layersOf } from '../../space/layers.js';
import type { SearchSpace } from '../../space/types.js';
import { tempDir } from '../fixtures/tempDir.js';

const dir = tempDir('hwnas-runtime-features-');
const block = nchwcBlockOf({ arch: os.arch(), cpuFlags: cpuFlags() });

/** Node types (`domain:op`) of onnxruntime's optimised graph of a subnet (no timing: the session is only created). */
async function optimisedOps(space: SearchSpace, config: Parameters<typeof benchGraph>[1], name: string): Promise<string[]> {
  const path = join(dir, `${name}.onnx`);
  const session = await createSession(toOnnx(benchGraph(space, config)), { intraOpThreads: 1, optimization: 'all', optimizedModelPath: path });
  await session.release();
  const graph = (decodeModel(readFileSync(path)) as { graph: { node: Array<{ op_type: string; domain?: string; output: string[] }> } }).graph;
  // The classifier's output leaves NCHWc once in every float graph: not a whole-graph effect.
  return graph.node.filter((n) => !(n.op_type === 'ReorderOutput' && n.output[0] === 'classifier')).map((n) => `${n.domain ?? ''}:${n.op_type}`);
}

describe('runtime features against onnxruntime\'s optimised graph', () => {
  for (const space of [fashionHybrid, fashionMbv3]) {
    it(`${space.name}: the NCHWc reorders derived from the lowering are the ones onnxruntime inserts (float subnets, block ${block} here)`, async () => {
      for (const [i, config] of sampleSubnets(space, 'fp32', 6, 77).entries()) {
        const ops = await optimisedOps(space, config, `${space.name}-${i}`);
        const x = modelFeatures(layersOf(space, config), true, 0, { nchwcBlock: block });
        const derived = x[kRuntimeLatencyFeatures.indexOf('reorders')];
        assert.equal(ops.filter((op) => /^com\.microsoft\.nchwc:Reorder(Input|Output)$/.test(op)).length, derived, `${JSON.stringify(config)}: ${ops.join(' ')}`);
        if (block > 1) assert.ok(!ops.includes(':Conv') && !ops.includes('com.microsoft:FusedConv'), `every float convolution runs in NCHWc: ${ops.join(' ')}`);
      }
    });
  }
});
