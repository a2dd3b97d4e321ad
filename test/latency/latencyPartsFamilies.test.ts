import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import { layersOf } from '../../space/layers.js';
import type { SubnetConfig } from '../../space/types.js';
import { layer } from './layerFixtures.js';

const space = fashionHybrid;
const nine = (v: number) => new Array<number>(9).fill(v);
/** ResNet-8: one resnet block per stage at ratio 0.67 (16/32/64 channels), stem stride 1. */
const resnet8: SubnetConfig = {
  depths: [1, 1, 1], kernels: nine(3), expands: nine(1), widths: [0.67, 0.67, 0.67], families: ['resnet', 'resnet', 'resnet'], stemStride: 1,
};
/** mbconv (two blocks), fused, resnet (expand 0.5, projection shortcut), stem stride 2, mixed bits. */
const mixed: SubnetConfig = {
  depths: [2, 1, 1], kernels: nine(3), expands: [2, 3, 2, 2, 1, 1, 0.5, 0.5, 0.5], widths: [0.34, 1, 0.67], families: ['mbconv', 'fused', 'resnet'], stemStride: 2,
  wBits: [4, 32, 8, 8, 8, 8, 8, 8, 8], aBits: [8, 8, 32, 8, 8, 8, 32, 8, 8],
};

describe('latencyParts of block families', () => {
  it('splits ResNet-8 at the lowering\'s block marks: resnet blocks name their operators, the head has no convolution', () => {
    const layers = layersOf(space, resnet8);
    const parts = latencyParts(layers);
    assert.deepEqual(parts.map((p) => [p.kind, p.block, p.start, p.end]), [
      ['stem', -1, 0, 1], ['block', 0, 1, 4], ['block', 1, 4, 8], ['block', 2, 8, 12], ['head', -1, 12, 14],
    ]);
    assert.deepEqual(parts.map((p) => p.key), [
      'stem:28x28:1-16:k3s1:relu:wf-af',
      // Identity shortcut: two 3x3 convolutions, the sum, ReLU after it.
      'block:28x28:conv3s1/16-16+relu,conv3s1/16-16,add/16+relu:wf-af-inf',
      // Projection shortcut: the 1x1 stride-2 convolution reads the block's 16-channel input.
      'block:28x28:conv3s2/16-32+relu,conv3s1/32-32,conv1s2/16-32,add/32+relu:wf-af-inf',
      'block:14x14:conv3s2/32-64+relu,conv3s1/64-64,conv1s2/32-64,add/64+relu:wf-af-inf',
      'head:7x7:64-0-10:none:wf-af-inf',
    ]);
    assert.deepEqual(parts.map((p) => p.inputElements), [28 * 28, 28 * 28 * 16, 28 * 28 * 16, 14 * 14 * 32, 7 * 7 * 64]);
  });

  it('keys mbconv blocks as the shipped profiles do, fused and resnet blocks by their operators, each with its precision', () => {
    const parts = latencyParts(layersOf(space, mixed));
    assert.deepEqual(parts.map((p) => p.key), [
      'stem:28x28:1-8:k3s2:relu:wq-aq',
      'block:14x14:8-16-8:k3s1:relu+add:wq-aq-inq',
      'block:14x14:8-24-8:k3s1:relu+add:wf-aq-inq',
      'block:14x14:conv3s2/8-16+relu,conv1s1/16-48:wq-aq-inq',
      'block:7x7:conv3s2/48-32+relu,conv3s1/32-64,conv1s2/48-64,add/64+relu:wq-af-inq',
      'head:4x4:64-0-10:none:wq-aq-inf',
    ]);
    // Without bits every part is float, and keys differ from the float config's in nothing else.
    const { wBits: _w, aBits: _a, ...float } = mixed;
    assert.deepEqual(latencyParts(layersOf(space, mixed), { bits: false }).map((p) => p.key), latencyParts(layersOf(space, float)).map((p) => p.key));
    // The elastic stem stride changes every part's feature-map size and the stem's key.
    const wide = latencyParts(layersOf(space, { ...float, stemStride: 1 })).map((p) => p.key);
    assert.deepEqual(wide.map((k) => k.split(':')[1]), ['28x28', '28x28', '28x28', '28x28', '14x14', '7x7']);
    assert.match(wide[0], /:k3s1:/);
  });

  it('splits a lowering of a family it has never seen by the block marks, naming every operator', () => {
    const at = (hw: number, c: number) => ({ inH: hw, inW: hw, inC: c, outH: hw, outW: hw, outC: c });
    const layers = [
      layer({ kind: 'conv', ...at(8, 1), outC: 4, kernel: 3, act: 'relu' }),
      // Block 0: one dense 5x5 convolution (as a plain block).
      layer({ kind: 'conv', ...at(8, 4), outC: 8, kernel: 5, act: 'relu', block: 0 }),
      // Block 1: inverted-residual operators whose activations differ - not the mbconv form, so listed one by one.
      layer({ kind: 'conv', ...at(8, 8), outC: 16, act: 'relu', block: 1 }),
      layer({ kind: 'dwconv', ...at(8, 16), outH: 4, outW: 4, kernel: 3, stride: 2, act: 'hswish', block: 1 }),
      layer({ kind: 'se', ...at(4, 16), block: 1 }),
      layer({ kind: 'conv', ...at(4, 16), outC: 8, block: 1 }),
      layer({ kind: 'add', ...at(4, 8), act: 'hswish', block: 1 }),
      layer({ kind: 'pool', ...at(4, 8), outH: 1, outW: 1, kernel: 4 }),
      layer({ kind: 'fc', ...at(1, 8), outC: 10 }),
    ];
    assert.deepEqual(latencyParts(layers).map((p) => p.key), [
      'stem:8x8:1-4:k3s1:relu:wf-af',
      'block:8x8:conv5s1/4-8+relu:wf-af-inf',
      'block:8x8:conv1s1/8-16+relu,dw3s2/16+hswish,se/16,conv1s1/16-8,add/8+hswish:wf-af-inf',
      'head:4x4:8-0-10:none:wf-af-inf',
    ]);
  });
});
