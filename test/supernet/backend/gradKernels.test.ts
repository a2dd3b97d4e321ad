import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { tf } from '../../../supernet/backend/tf.js';
import { initBackend } from '../../../supernet/backend/backend.js';
import { setWasmKernelVariant } from '../../../supernet/backend/kernels/index.js';
import { Rng } from '../../../space/rng.js';
import { relError } from '../../fixtures/compare.js';
import { randomInput, runKernel, type KernelInput } from '../../fixtures/kernelRun.js';

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface Case { b: number; h: number; w: number; cin: number; cout: number; k: number; s: number; pad: Pad }

const TOLERANCE = 1e-4;

/** Random cases over the grid: strides 1/2, same/valid/explicit pads, kernels 1/3/5/7, odd and even sizes. */
function cases(seed: number, depthwise: boolean): Case[] {
  const rng = new Rng(seed);
  const out: Case[] = [];
  for (const k of [1, 3, 5, 7]) {
    for (const s of [1, 2]) {
      for (const padKind of ['same', 'valid', 'explicit'] as const) {
        const h = k + rng.int(4);
        const w = k + rng.int(4);
        const cin = rng.pick([3, 4, 8, 13]);
        const pad: Pad = padKind === 'explicit'
          ? [[0, 0], [rng.int(k), rng.int(k)], [rng.int(k), rng.int(k)], [0, 0]]
          : padKind;
        out.push({ b: 1 + rng.int(2), h, w, cin, cout: depthwise ? cin : rng.pick([2, 5, 8]), k, s, pad });
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

function label(name: string, c: Case): string {
  return `${name} b${c.b} ${c.h}x${c.w}x${c.cin}->${c.cout} k${c.k} s${c.s} pad ${JSON.stringify(c.pad)}`;
}

describe('composed and SIMD gradient kernels on wasm match the cpu backend', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  for (const variant of ['simd', 'composed'] as const) {
    it(`Conv2DBackpropFilter (${variant}: pointwise GEMM, im2col, dilated convolution)`, async () => {
      setWasmKernelVariant(variant);
      const rng = new Rng(11);
      for (const c of cases(1, false)) {
        const info = tf.backend_util.computeConv2DInfo([c.b, c.h, c.w, c.cin], [c.k, c.k, c.cin, c.cout], c.s, 1, c.pad);
        const inputs = { x: randomInput(rng, [c.b, c.h, c.w, c.cin]), dy: randomInput(rng, info.outShape) };
        await check('Conv2DBackpropFilter', inputs,
          { strides: c.s, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.cin, c.cout] }, label(`filter ${variant}`, c));
      }
      setWasmKernelVariant('simd');
    });
  }

  it('Conv2DBackpropInput (replacing wasm\'s own)', async () => {
    const rng = new Rng(12);
    for (const c of cases(2, false)) {
      const info = tf.backend_util.computeConv2DInfo([c.b, c.h, c.w, c.cin], [c.k, c.k, c.cin, c.cout], c.s, 1, c.pad);
      const inputs = { dy: randomInput(rng, info.outShape), filter: randomInput(rng, [c.k, c.k, c.cin, c.cout]) };
      await check('Conv2DBackpropInput', inputs,
        { strides: c.s, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.b, c.h, c.w, c.cin] }, label('input', c));
    }
  });

  for (const variant of ['simd', 'composed'] as const) {
    it(`DepthwiseConv2dNativeBackpropFilter (${variant})`, async () => {
      setWasmKernelVariant(variant);
      const rng = new Rng(13);
      for (const c of cases(3, true)) {
        const info = tf.backend_util.computeConv2DInfo([c.b, c.h, c.w, c.cin], [c.k, c.k, c.cin, 1], c.s, 1, c.pad,
          undefined, true);
        const inputs = { x: randomInput(rng, [c.b, c.h, c.w, c.cin]), dy: randomInput(rng, info.outShape) };
        await check('DepthwiseConv2dNativeBackpropFilter', inputs,
          { strides: c.s, pad: c.pad, dilations: 1, filterShape: [c.k, c.k, c.cin, 1] }, label(`dw filter ${variant}`, c));
      }
      setWasmKernelVariant('simd');
    });

    it(`DepthwiseConv2dNativeBackpropInput (${variant})`, async () => {
      setWasmKernelVariant(variant);
      const rng = new Rng(14);
      for (const c of cases(4, true)) {
        const info = tf.backend_util.computeConv2DInfo([c.b, c.h, c.w, c.cin], [c.k, c.k, c.cin, 1], c.s, 1, c.pad,
          undefined, true);
        const inputs = { dy: randomInput(rng, info.outShape), filter: randomInput(rng, [c.k, c.k, c.cin, 1]) };
        await check('DepthwiseConv2dNativeBackpropInput', inputs,
          { strides: c.s, pad: c.pad, dilations: 1, inputShape: [c.b, c.h, c.w, c.cin] }, label(`dw input ${variant}`, c));
      }
      setWasmKernelVariant('simd');
    });
  }

  it('Conv2D (SIMD GEMM for 1x1 stride 1, wasm\'s own otherwise)', async () => {
    const rng = new Rng(18);
    for (const c of cases(6, false)) {
      const inputs = { x: randomInput(rng, [c.b, c.h, c.w, c.cin]), filter: randomInput(rng, [c.k, c.k, c.cin, c.cout]) };
      await check('Conv2D', inputs, { strides: c.s, pad: c.pad, dataFormat: 'NHWC', dilations: 1 }, label('conv forward', c));
    }
  });

  it('DepthwiseConv2dNative (SIMD forward, unrolled for k 3/5/7)', async () => {
    const rng = new Rng(17);
    for (const c of cases(5, true)) {
      const inputs = { x: randomInput(rng, [c.b, c.h, c.w, c.cin]), filter: randomInput(rng, [c.k, c.k, c.cin, 1]) };
      await check('DepthwiseConv2dNative', inputs, { strides: c.s, pad: c.pad, dilations: 1 }, label('dw forward', c));
    }
  });

  it('larger shapes: row chunks of the 1x1 GEMM, vector channel loops', async () => {
    const rng = new Rng(16);
    const x = randomInput(rng, [2, 15, 13, 20]);
    await check('Conv2DBackpropFilter', { x, dy: randomInput(rng, [2, 15, 13, 36]) },
      { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [1, 1, 20, 36] }, '1x1 GEMM 390 rows');
    await check('DepthwiseConv2dNativeBackpropFilter', { x, dy: randomInput(rng, [2, 8, 7, 20]) },
      { strides: 2, pad: 'same', dilations: 1, filterShape: [5, 5, 20, 1] }, 'dw filter 5x5 s2');
    await check('DepthwiseConv2dNativeBackpropInput', { dy: randomInput(rng, [2, 8, 7, 20]), filter: randomInput(rng, [5, 5, 20, 1]) },
      { strides: 2, pad: 'same', dilations: 1, inputShape: [2, 15, 13, 20] }, 'dw input 5x5 s2');
    // Outputs wider than 8: the row filter-gradient loops (unrolled for k 3/5/7, generic for 1).
    const wide = randomInput(rng, [2, 12, 11, 20]);
    for (const k of [1, 3, 5, 7]) {
      await check('DepthwiseConv2dNativeBackpropFilter', { x: wide, dy: randomInput(rng, [2, 12, 11, 20]) },
        { strides: 1, pad: 'same', dilations: 1, filterShape: [k, k, 20, 1] }, `dw filter rows k${k}`);
    }
    // im2col path (kh*kw*Cin <= 64): stem-like convolutions, strides 1 and 2.
    const stem = randomInput(rng, [3, 15, 13, 1]);
    await check('Conv2DBackpropFilter', { x: stem, dy: randomInput(rng, [3, 15, 13, 16]) },
      { strides: 1, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 1, 16] }, 'im2col 3x3 s1 same');
    await check('Conv2DBackpropFilter', { x: stem, dy: randomInput(rng, [3, 6, 5, 8]) },
      { strides: 2, pad: 'valid', dataFormat: 'NHWC', filterShape: [5, 5, 1, 8] }, 'im2col 5x5 s2 valid');
    await check('Conv2DBackpropFilter', { x: randomInput(rng, [2, 9, 9, 2]), dy: randomInput(rng, [2, 5, 5, 4]) },
      { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] }, 'im2col 3x3 s2 same');
    await check('DepthwiseConv2dNative', { x, filter: randomInput(rng, [7, 7, 20, 1]) }, { strides: 1, pad: 'same', dilations: 1 },
      'dw forward 7x7 s1');
  });

  it('tf.grads through conv2d and depthwiseConv2d use them and agree with cpu', async () => {
    const rng = new Rng(15);
    const x = randomInput(rng, [2, 9, 9, 4]);
    const w1 = randomInput(rng, [3, 3, 4, 8]);
    const w2 = randomInput(rng, [5, 5, 8, 1]);
    const grads = async (backend: string) => {
      await tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => {
          const h = tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same');
          return tf.sum(tf.square(tf.depthwiseConv2d(h, c as tf.Tensor4D, 1, 'same')));
        };
        const t = [x, w1, w2].map((v) => tf.tensor(v.data, v.shape));
        return tf.grads(f)(t).map((g) => g.dataSync() as Float32Array);
      });
    };
    const wasm = await grads('wasm');
    const cpu = await grads('cpu');
    wasm.forEach((g, i) => assert.ok(relError(g, cpu[i]) <= TOLERANCE, `gradient ${i}`));
  });

  it('rejects what it does not support, naming the kernel', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([1, 5, 5, 2]);
    const dy = tf.zeros([1, 5, 5, 4]);
    assert.throws(
      () => tf.engine().runKernel('DepthwiseConv2dNativeBackpropFilter', { x, dy },
        { strides: 1, pad: 'same', dilations: 1, filterShape: [3, 3, 2, 2] }),
      /DepthwiseConv2dNativeBackpropFilter on wasm supports channel multiplier 1 only/,
    );
    tf.dispose([x, dy]);
  });
});
