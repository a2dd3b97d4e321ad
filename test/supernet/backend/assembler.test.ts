import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FunctionBuilder, assembleModule, f32x4, get, i32, sleb, uleb } from '../../../supernet/backend/simd/assembler.js';
import { relaxedSimdAvailable, simdModuleBytes } from '../../../supernet/backend/simd/simdModule.js';
import { setRelaxedSimd } from '../../../supernet/backend/simd/lanes.js';
import { bnActFunctions } from '../../../supernet/backend/simd/bnActKernels.js';
import { gemmAbKernel } from '../../../supernet/backend/simd/gemmKernels.js';

interface Wasm {
  Memory: new (d: { initial: number }) => { buffer: ArrayBuffer };
  Module: new (b: Uint8Array) => object;
  Instance: new (m: object, i: object) => { exports: Record<string, (...a: number[]) => void> };
  validate(b: Uint8Array): boolean;
}
const WA = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;

describe('wasm assembler', () => {
  it('encodes LEB128', () => {
    assert.deepEqual(uleb(0), [0]);
    assert.deepEqual(uleb(127), [0x7f]);
    assert.deepEqual(uleb(128), [0x80, 0x01]);
    assert.deepEqual(uleb(624485), [0xe5, 0x8e, 0x26]);
    assert.deepEqual(sleb(-1), [0x7f]);
    assert.deepEqual(sleb(63), [0x3f]);
    assert.deepEqual(sleb(64), [0xc0, 0x00]);
    assert.deepEqual(sleb(-123456), [0xc0, 0xbb, 0x78]);
  });

  it('assembles a SIMD loop that runs on imported memory', () => {
    // y[i] = x[i] * 2 + 1 over n floats (n a multiple of 4), byte pointers.
    const f = new FunctionBuilder('axpb', ['i32', 'i32', 'i32']);
    const [x, y, n] = f.params;
    const i = f.local('i32');
    f.forRange(i, i32.const(0), i32.shl(get(n), i32.const(2)), 16, () =>
      f.store('v128', i32.add(get(y), get(i)),
        f32x4.add(f32x4.mul(f32x4.load(i32.add(get(x), get(i))), f32x4.constSplat(2)), f32x4.constSplat(1))));
    const memory = new WA.Memory({ initial: 1 });
    const instance = new WA.Instance(new WA.Module(assembleModule([f])), { env: { memory } });
    const heap = new Float32Array(memory.buffer);
    heap.set([1, 2, 3, 4, -1, -2, -3, -4], 0);
    instance.exports.axpb(0, 64, 8);
    assert.deepEqual([...heap.subarray(16, 24)], [3, 5, 7, 9, -1, -3, -5, -7]);
  });

  it('the project SIMD module validates', () => {
    assert.ok(WA.validate(simdModuleBytes()));
  });

  it('emits multiply + add without relaxed SIMD and fused multiply-adds with it', () => {
    setRelaxedSimd(false);
    assert.ok(WA.validate(assembleModule([gemmAbKernel(), ...bnActFunctions()])));
    const plain = assembleModule([gemmAbKernel()]);
    setRelaxedSimd(true);
    const fused = assembleModule([gemmAbKernel()]);
    setRelaxedSimd(relaxedSimdAvailable());
    // One 3-byte relaxed_madd replaces a 3-byte mul and a 3-byte add in every accumulation.
    assert.ok(fused.length < plain.length);
    assert.equal(WA.validate(fused), relaxedSimdAvailable());
  });
});
