import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latencyParts } from '../../latency/latencyParts.js';
import { fashionPlain } from '../../space/defaultSpace.js';
import { layersOf } from '../../space/layers.js';
import type { SubnetConfig } from '../../space/types.js';

/** VGG-4 of models/baselines/vgg4.json. */
const vgg4: SubnetConfig = { depths: [1, 2], kernels: [3, 3, 3, 3, 3], expands: [1, 1, 1, 1, 1], widths: [1, 1], families: ['plain', 'plain'] };

describe('latencyParts of plain blocks (fashion-plain)', () => {
  it('makes each plain convolution a block of one operator', () => {
    const parts = latencyParts(layersOf(fashionPlain, vgg4));
    assert.deepEqual(parts.map((p) => [p.kind, p.block, p.end - p.start]), [['stem', -1, 1], ['block', 0, 1], ['block', 1, 1], ['block', 2, 1], ['head', -1, 2]]);
    assert.deepEqual(parts.map((p) => p.key), [
      'stem:28x28:1-32:k3s1:relu:wf-af',
      'block:28x28:conv3s2/32-64+relu:wf-af-inf',
      'block:14x14:conv3s2/64-128+relu:wf-af-inf',
      'block:7x7:conv3s1/128-128+relu:wf-af-inf',
      'head:7x7:128-0-10:none:wf-af-inf',
    ]);
  });

  it('keys a quantized plain block by its precision and its input\'s', () => {
    const cfg: SubnetConfig = { ...vgg4, wBits: [4, 8, 32, 8, 8], aBits: [8, 8, 8, 32, 8] };
    const keys = latencyParts(layersOf(fashionPlain, cfg)).map((p) => p.key.split(':').pop());
    // Slots 0, 2, 3 run; slot 1 is skipped (stage 0 at depth 1).
    assert.deepEqual(keys, ['wq-aq', 'wq-aq-inq', 'wf-aq-inq', 'wq-af-inq', 'wq-aq-inf']);
  });
});
