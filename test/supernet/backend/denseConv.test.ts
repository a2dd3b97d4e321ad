import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { denseConvKernels } from '../../../supernet/backend/kernels/directConv.js';
import { simdFor, withScratch, type WasmBackendLike } from '../../../supernet/backend/simd/simdModule.js';
import { Rng } from '../../../space/rng.js';
import { relError } from '../../fixtures/compare.js';
import { randomInput, runKernel, type KernelInput } from '../../fixtures/kernelRun.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { b: number; h: number; w: number; cin: number; cout: number; k: number; s: number; pad: Pad }

const TOLERANCE = 1e-4;

/**
 * Kernels 1/3/5, strides 1/2, same/valid/explicit pads, odd and even sizes, channel counts
 * below, at and above the register tiles (4 and 8 channels) and not multiples of 4.
 */
function cases(seed: number): Case[] {
  const rng = new Rng(seed);
  const out: Case[] = [];
  for (const k of [1, 3, 5]) {
    for (const s of [1, 2]) {
      for (const padKind of ['same', 'valid', 'explicit'] as const) {
        const pad: Pad = padKind === 'explicit'
          ? [[0, 0], [rng.int(k), rng.int(k)], [rng.int(k), rng.int(k)], [0, 0]]
          : padKind;
        if (k === 1 && s === 1 && padKind !== 'explicit') continue; // the pointwise GEMM path
        out.push({
          b: 1 + rng.int(3), h: k + rng.int(6), w: k + rng.int(6),
          cin: rng.pick([1, 3, 5, 8, 13]), cout: rng.pick([3, 4, 6, 11, 16, 19]), k, s, pad,
        });
      }
    }
  }
  return out;
}

async function check(name: string, inputs: Record<string, KernelInput>,
  attrs: Record<string, unknown>, label: string): Promise<void> {
  const wasm = await runKernel('wasm', name, inputs, attrs);
  const cpu = await runKernel('cpu', name, inputs, attrs);
  assert.deepEqual(wasm.shape, cpu.shape, `${label}: shape`);
  const err = relError(wasm.values, cpu.values);
  assert.ok(err <= TOLERANCE, `${label}: relative error ${err.toExponential(2)} > ${TOLERANCE}`);
  assert.equal(wasm.leakedTensors, 0, `${label}: leaked tensors`);
  assert.equal(wasm.leakedData, 0, `${label}: leaked wasm buffers`);
}

const label = (name: string, c: Case): string =>
  `${name} b${c.b} ${c.h}x${c.w}x${c.cin}->${c.cout} k${c.k} s${c.s} pad ${JSON.stringify(c.pad)}`;

function geometry(c: Case) {
  const info = tf.backend_util.computeConv2DInfo([c.b, c.h, c.w, c.cin], [c.k, c.k, c.cin, c.cout], c.s, 1, c.pad);
  return { outShape: info.outShape, attrs: { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: 1 } };
}

describe('SIMD dense convolution kernels on wasm match the cpu backend', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
    assert.ok(denseConvKernels(), 'dense convolution kernels are switched on');
  });

  it('Conv2D (implicit GEMM over a padded copy)', async () => {
    const rng = new Rng(21);
    for (const c of cases(1)) {
      const { attrs } = geometry(c);
      const inputs = { x: randomInput(rng, [c.b, c.h, c.w, c.cin]), filter: randomInput(rng, [c.k, c.k, c.cin, c.cout]) };
      await check('Conv2D', inputs, attrs, label('forward', c));
    }
  });

  it('Conv2DBackpropInput (flipped filter over the dilated dy)', async () => {
    const rng = new Rng(22);
    for (const c of cases(2)) {
      const { outShape, attrs } = geometry(c);
      const inputs = { dy: randomInput(rng, outShape), filter: randomInput(rng, [c.k, c.k, c.cin, c.cout]) };
      await check('Conv2DBackpropInput', inputs, { ...attrs, inputShape: [c.b, c.h, c.w, c.cin] }, label('input', c));
    }
  });

  it('Conv2DBackpropFilter (patches^T dy over the padded input)', async () => {
    const rng = new Rng(23);
    for (const c of cases(3)) {
      const { outShape, attrs } = geometry(c);
      const inputs = { x: randomInput(rng, [c.b, c.h, c.w, c.cin]), dy: randomInput(rng, outShape) };
      await check('Conv2DBackpropFilter', inputs, { ...attrs, filterShape: [c.k, c.k, c.cin, c.cout] }, label('filter', c));
    }
  });

  it('a ResNet-sized 3x3 stride-2 layer (batch 4, 15x15x16 -> 32)', async () => {
    const rng = new Rng(24);
    const c: Case = { b: 4, h: 15, w: 15, cin: 16, cout: 32, k: 3, s: 2, pad: 'same' };
    const { outShape, attrs } = geometry(c);
    const x = randomInput(rng, [c.b, c.h, c.w, c.cin]);
    const filter = randomInput(rng, [3, 3, 16, 32]);
    await check('Conv2D', { x, filter }, attrs, label('forward', c));
    await check('Conv2DBackpropInput', { dy: randomInput(rng, outShape), filter }, { ...attrs, inputShape: [4, 15, 15, 16] }, label('input', c));
    await check('Conv2DBackpropFilter', { x, dy: randomInput(rng, outShape) }, { ...attrs, filterShape: [3, 3, 16, 32] }, label('filter', c));
  });

  it('pad_dilate places x in a zero buffer (row copies at dil 1, pixel copies otherwise)', async () => {
    await tf.setBackend('wasm');
    const backend = tf.backend() as unknown as WasmBackendLike;
    const rng = new Rng(25);
    for (const [b, h, w, c, top, left, dil, extra] of [[2, 3, 4, 5, 1, 2, 1, 1], [1, 5, 3, 8, 0, 0, 1, 0], [2, 3, 3, 3, 2, 1, 2, 1], [1, 2, 2, 1, 0, 3, 1, 2]]) {
      const hp = top + (h - 1) * dil + 1 + extra;
      const wp = left + (w - 1) * dil + 1 + extra;
      const x = randomInput(rng, [b, h, w, c]).data;
      const expected = new Float32Array(b * hp * wp * c);
      for (let bi = 0; bi < b; bi++) for (let iy = 0; iy < h; iy++) for (let ix = 0; ix < w; ix++) for (let ch = 0; ch < c; ch++) {
        expected[((bi * hp + top + iy * dil) * wp + left + ix * dil) * c + ch] = x[((bi * h + iy) * w + ix) * c + ch];
      }
      const got = withScratch(backend, (x.length + expected.length) * 4, (xAt) => {
        const outAt = xAt + x.length * 4;
        const heap = () => new Float32Array(backend.wasm.asm.memory.buffer);
        heap().set(x, xAt / 4);
        heap().fill(Number.NaN, outAt / 4, outAt / 4 + expected.length);
        simdFor(backend).pad_dilate(xAt, outAt, b, h, w, c, hp, wp, top, left, dil);
        return heap().slice(outAt / 4, outAt / 4 + expected.length);
      });
      assert.deepEqual(got, expected, `pad_dilate ${b}x${h}x${w}x${c} top ${top} left ${left} dil ${dil}`);
    }
  });
});
