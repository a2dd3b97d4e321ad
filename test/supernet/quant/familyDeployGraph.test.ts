import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../../supernet/backend/backend.js';
import { Supernet } from '../../../supernet/Supernet.js';
import { extract } from '../../../supernet/extract.js';
import { buildDeployGraph, quantSites, type DeployOp } from '../../../supernet/quant/deployGraph.js';
import { smallFashionMnist } from '../../fixtures/data.js';
import { hybridMicroSpace, kHybridCases } from '../../fixtures/hybridSpace.js';

type ConvOp = DeployOp & { op: 'conv' };

describe('deployed graph of fused, resnet and plain blocks without a head convolution', () => {
  const space = hybridMicroSpace();
  let net: Supernet;

  before(async () => {
    await initBackend({ backend: 'wasm' });
    net = new Supernet(space, 2);
  });

  after(() => net.dispose());

  function graphOf(name: string, quantize: boolean) {
    const c = kHybridCases.find((k) => k.name === name)!;
    const subnet = extract(net, c.config, smallFashionMnist(50, 1, 1).train, { images: 50 });
    try {
      return buildDeployGraph(subnet, { quantize });
    } finally {
      subnet.dispose();
    }
  }

  it('quantizes the block bits\' activations: resnet sums after their activation, linear outputs, no head', () => {
    // Slot 0 resnet (w8 a8), slot 2 mbconv at float activations (w4), slot 3 mbconv (w32 a8, residual).
    const graph = graphOf('resnet then mbconv, stem stride 1, mixed bits', true);
    assert.deepEqual(quantSites(graph), [
      'stem.in', 'stem.out',
      'block0.conv1.out', 'block0.conv2.out', 'block0.out',
      'block3.in', 'block3.expand.pre', 'block3.expand.out', 'block3.dw.pre', 'block3.dw.out', 'block3.project.out', 'block3.out',
      'classifier.in',
    ]);
    const ops = graph.ops;
    assert.ok(!ops.some((op) => op.y.startsWith('head')), 'no head convolution');
    // The ResNet block's activation follows the sum, and the sum's quant op reads the activation.
    const add = ops.findIndex((op) => op.op === 'add' && op.y === 'block0.add');
    assert.deepEqual(ops[add + 1], { op: 'act', fn: 'relu', x: 'block0.add', y: 'block0.add.relu' });
    assert.equal((ops[add + 2] as DeployOp & { op: 'quant' }).x, 'block0.add.relu');
    const convs = new Map(ops.flatMap((op) => (op.op === 'conv' ? [[op.name, op as ConvOp] as const] : [])));
    assert.equal(convs.get('block0.conv1')!.w.quant!.bits, 8);
    assert.equal(convs.get('block2.expand')!.w.quant!.bits, 4);
    assert.equal(convs.get('block3.project')!.w.quant, undefined, '32-bit weights stay float');
    assert.equal(ops.find((op) => op.op === 'pool')!.x, 'block3.out.q', 'the pool reads the last block');
  });

  it('lowers the projection shortcut as a strided 1x1 dense convolution of the block input, and fused blocks as dense + 1x1', () => {
    const graph = graphOf('fused then resnet, stem stride 2, pruned', false);
    const convs = new Map(graph.ops.flatMap((op) => (op.op === 'conv' ? [[op.name, op as ConvOp] as const] : [])));
    assert.deepEqual([...convs.keys()], [
      'stem', 'block0.expand', 'block0.project', 'block1.expand', 'block1.project',
      'block2.conv1', 'block2.conv2', 'block2.shortcut', 'classifier',
    ]);
    const shortcut = convs.get('block2.shortcut')!;
    assert.deepEqual([shortcut.kind, shortcut.kernel, shortcut.stride, shortcut.w.shape], ['dense', 1, 2, [1, 1, 8, 24]]);
    assert.equal(shortcut.x, convs.get('block2.conv1')!.x, 'the shortcut reads the block input');
    const fused = convs.get('block0.expand')!;
    assert.deepEqual([fused.kind, fused.kernel, fused.w.shape], ['dense', 5, [5, 5, 8, 16]]);
    assert.deepEqual(graph.ops.find((op) => op.op === 'add' && op.y === 'block2.add'), { op: 'add', a: 'block2.conv2', b: 'block2.shortcut', y: 'block2.add' });
  });

  it('lowers a plain block as one strided dense convolution with its activation and no sum, quantized as a convolution', () => {
    // Slot 0 mbconv (w8 a8, residual), slot 2 plain (w4 a8, stride 2, kernel 5), slot 3 plain (w8, float activations); stage 1 runs h-swish.
    const graph = graphOf('mbconv then plain, stem stride 2, mixed bits', true);
    const adds = graph.ops.flatMap((op) => (op.op === 'add' ? [op.y] : []));
    assert.deepEqual(adds, ['block0.add'], 'only the mbconv block sums');
    const convs = new Map(graph.ops.flatMap((op) => (op.op === 'conv' ? [[op.name, op as ConvOp] as const] : [])));
    assert.deepEqual([...convs.keys()], ['stem', 'block0.expand', 'block0.dw', 'block0.project', 'block2.conv', 'block3.conv', 'classifier']);
    const p2 = convs.get('block2.conv')!;
    assert.deepEqual([p2.kind, p2.kernel, p2.stride, p2.w.shape, p2.w.quant!.bits], ['dense', 5, 2, [5, 5, 8, 24], 4]);
    assert.equal(p2.x, 'block0.out.q', 'reads the quantized output of the mbconv block');
    const p3 = convs.get('block3.conv')!;
    assert.deepEqual([p3.kernel, p3.stride, p3.w.quant!.bits], [3, 1, 8]);
    assert.equal(p3.x, 'block2.conv.out.q', 'reads the quantized activation of slot 2');
    assert.deepEqual(quantSites(graph), [
      'stem.in', 'stem.out',
      'block0.expand.out', 'block0.dw.out', 'block0.project.out', 'block0.out',
      'block2.conv.pre', 'block2.conv.out',
      'classifier.in',
    ]);
    assert.deepEqual(graph.ops.find((op) => op.op === 'act' && op.x === 'block3.conv'), { op: 'act', fn: 'hswish', x: 'block3.conv', y: 'block3.conv.hswish' });
    assert.equal(graph.ops.find((op) => op.op === 'pool')!.x, 'block3.conv.hswish', 'float activations of slot 3 reach the pool unquantized');
  });
});
