import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { extract } from '../../../supernet/extract.js';
import { smallestConfig } from '../../../space/searchSpace.js';
import { withUniformBits } from '../../../space/bits.js';
import { quantizeSubnet } from '../../../supernet/quant/QuantizedSubnet.js';
import type { DeployGraph, DeployOp } from '../../../supernet/quant/deployGraph.js';
import { samePadding, toOnnx } from '../../../supernet/export/onnx/toOnnx.js';
import { decodeModel, OnnxDataType } from '../../../supernet/export/onnx/schema.js';
import { microSpace, smallFashionMnist } from '../../fixtures/data.js';

type ConvOp = Extract<DeployOp, { op: 'conv' }>;
interface Init { name: string; data_type: number; dims: number[]; raw_data: Uint8Array }
interface Decoded {
  opset_import: Array<{ version: number }>;
  graph: { node: Array<{ op_type: string; input: string[]; output: string[]; attribute?: Array<{ name: string; ints?: number[] }> }>; initializer: Init[] };
}

describe('ONNX graph construction', () => {
  let graph: DeployGraph;
  before(async () => {
    await initBackend({ backend: 'wasm' });
    const space = microSpace();
    const data = smallFashionMnist(200, 10, 10);
    const net = new Supernet(space, 6);
    const subnet = extract(net, withUniformBits(space, smallestConfig(space), 4, 8), data.train, { images: 200 });
    const q = quantizeSubnet(subnet, data.train, { images: 200 });
    graph = q.graph;
    q.dispose();
    subnet.dispose();
    net.dispose();
  });

  it('pads like TensorFlow \'same\' (extra padding after)', () => {
    assert.deepEqual(samePadding(28, 3, 2), [0, 1]);
    assert.deepEqual(samePadding(7, 5, 1), [2, 2]);
    assert.deepEqual(samePadding(14, 7, 2), [2, 3]);
    assert.deepEqual(samePadding(4, 1, 1), [0, 0]);
  });

  it('stores sub-8-bit weights on their grid: uint8 with zero point 128 by default, int8 on request', () => {
    const conv = graph.ops.find((op): op is ConvOp => op.op === 'conv' && op.name === 'block0.expand');
    assert.ok(conv?.w.quant?.bits === 4);
    const q: Int8Array = conv.w.quant.q;
    const [cin, cout]: number[] = conv.w.shape;
    for (const weightType of ['uint8', 'int8'] as const) {
      const model = decodeModel(toOnnx(graph, { weightType })) as unknown as Decoded;
      assert.equal(model.opset_import[0].version, 14);
      const inits = new Map(model.graph.initializer.map((i) => [i.name, i]));
      const w = inits.get(`block0.expand.weight.${weightType}`)!;
      const zp = inits.get('block0.expand.weight.zero_point')!;
      assert.equal(w.data_type, weightType === 'uint8' ? OnnxDataType.UINT8 : OnnxDataType.INT8);
      const stored = weightType === 'uint8' ? [...w.raw_data].map((v) => v - 128) : [...new Int8Array(w.raw_data.buffer, w.raw_data.byteOffset, w.raw_data.length)];
      assert.ok(stored.every((v) => v >= -7 && v <= 7), '4-bit grid');
      assert.equal(new Set(stored).size > 4, true);
      assert.deepEqual(new Set(weightType === 'uint8' ? [...zp.raw_data] : [...new Int8Array(zp.raw_data.buffer, zp.raw_data.byteOffset, zp.raw_data.length)]), new Set([weightType === 'uint8' ? 128 : 0]));
      // [Cout, Cin, 1, 1] for a 1x1 convolution; the tfjs weight is [Cin, Cout].
      assert.deepEqual(w.dims, [conv.w.shape[1], conv.w.shape[0], 1, 1]);
      for (let i = 0; i < cin; i++) for (let o = 0; o < cout; o++) assert.equal(stored[o * cin + i], q[i * cout + o]);
    }
  });

  it('writes each quant op as QuantizeLinear -> DequantizeLinear with a scalar scale and uint8 zero point', () => {
    const model = decodeModel(toOnnx(graph)) as unknown as Decoded;
    const inits = new Map(model.graph.initializer.map((i) => [i.name, i]));
    const quants = graph.ops.filter((op) => op.op === 'quant');
    const qNodes = model.graph.node.filter((n) => n.op_type === 'QuantizeLinear');
    assert.equal(qNodes.length, quants.length);
    for (const n of qNodes) {
      assert.deepEqual(inits.get(n.input[1])!.dims, []);
      assert.equal(inits.get(n.input[2])!.data_type, OnnxDataType.UINT8);
      const dq = model.graph.node.find((m) => m.op_type === 'DequantizeLinear' && m.input[0] === n.output[0]);
      assert.ok(dq, `no DequantizeLinear after ${n.output[0]}`);
    }
    const stem = model.graph.node.find((n) => n.op_type === 'Conv' && n.output[0] === 'stem')!;
    assert.deepEqual(stem.attribute!.find((a) => a.name === 'pads')!.ints, [0, 0, 1, 1]);
  });
});
