import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kLatencyFeatures, kRuntimeLatencyFeatures, latencyFeatures, modelFeatures } from '../../latency/latencyFeatures.js';
import { kRuntimeFeatures, nchwcBlockOf } from '../../latency/runtimeFeatures.js';
import type { LayerDesc } from '../../space/layerDesc.js';
import { layer } from './layerFixtures.js';

/** A convolution of `inC` -> `outC` channels, kernel k, at hw x hw (stride 1), with its MACs and weights. */
function conv(inC: number, outC: number, k: number, hw: number, bits = 32, wBits = bits): LayerDesc {
  const dw = outC < 0;
  const c = Math.abs(outC);
  const macs = dw ? hw * hw * c * k * k : hw * hw * inC * c * k * k;
  return layer({
    kind: dw ? 'dwconv' : 'conv', inH: hw, inW: hw, inC, outH: hw, outW: hw, outC: c, kernel: k,
    macs, params: dw ? c * k * k : inC * c * k * k, wBits, aBits: bits,
  });
}

// Stem 1 -> 8 (3x3), dense 8 -> 24 (3x3), depthwise 24 (3x3), 1x1 24 -> 16, all at 28x28.
const net = [conv(1, 8, 3, 28), conv(8, 24, 3, 28), conv(24, -24, 3, 28), conv(24, 16, 1, 28)];
const px = 28 * 28;

function features(layers: readonly LayerDesc[], bits: boolean, nchwcBlock: number): (name: string) => number {
  const x = modelFeatures(layers, bits, 0.5, { nchwcBlock });
  assert.equal(x.length, kRuntimeLatencyFeatures.length);
  return (name) => x[kRuntimeLatencyFeatures.indexOf(name)];
}

describe('runtimeFeatures', () => {
  it('round channels up to the NCHWc block and count the reorders of narrow tensors (AVX-512, block 16)', () => {
    const f = features(net, false, 16);
    // Outputs round up to 16 (8 -> 16, 24 -> 32); an input under 16 channels is read as it is.
    assert.ok(Math.abs(f('mMacsNchwc:kxk') - (9 * 1 * 16 * px + 9 * 8 * 32 * px) / 1e6) < 1e-9);
    assert.ok(Math.abs(f('mMacsNchwc:dw') - (9 * 32 * px) / 1e6) < 1e-9);
    assert.ok(Math.abs(f('mMacsNchwc:pw') - (32 * 16 * px) / 1e6) < 1e-9);
    // The stem's 8-channel output leaves NCHWc once; the rest stay blocked.
    assert.equal(f('reorders'), 1);
    assert.ok(Math.abs(f('kReorder') - (8 * px) / 1000) < 1e-12);
    assert.ok(Math.abs(f('mMacsFullRes:kxk') - (9 * 8 * px + 9 * 8 * 24 * px) / 1e6) < 1e-9);
    assert.ok(Math.abs(f('kBytes') - net.reduce((s, l) => s + 4 * (l.inH * l.inW * l.inC + l.outH * l.outW * l.outC), 0) / 1000) < 1e-9);
    for (const name of ['mMacsQ:conv', 'mMacsQ:dw', 'kTilesQ', 'kParamsDq']) assert.equal(f(name), 0, name);
  });

  it('see no padding and no reorders where every width is a multiple of the block (AVX2, block 8)', () => {
    const f = features(net, false, 8);
    const macs = (kind: string) => net.filter((l) => (kind === 'dw' ? l.kind === 'dwconv' : l.kind === 'conv' && (l.kernel > 1) === (kind === 'kxk'))).reduce((s, l) => s + l.macs, 0) / 1e6;
    for (const kind of ['kxk', 'dw', 'pw']) assert.ok(Math.abs(f(`mMacsNchwc:${kind}`) - macs(kind)) < 1e-9, kind);
    assert.equal(f('reorders'), 0);
  });

  it('count QLinearConv panels, dequantized weights and the reorders around a quantized layer', () => {
    // float 1x1 16 -> 32, int8 1x1 32 -> 24, weights-only-quantized 3x3 24 -> 32, all at 14x14.
    const layers = [conv(16, 32, 1, 14), conv(32, 24, 1, 14, 8), conv(24, 32, 3, 14, 32, 4)];
    const f = features(layers, true, 16);
    const hw = 14 * 14;
    assert.ok(Math.abs(f('mMacsQ:conv') - (32 * 32 * hw) / 1e6) < 1e-9, 'output channels 24 -> 32, reduction 32');
    assert.ok(Math.abs(f('kTilesQ') - (2 * hw) / 1000) < 1e-12);
    assert.ok(Math.abs(f('kParamsDq') - (24 * 32 * 9) / 1000) < 1e-12);
    // The 16-channel input is reordered into NCHWc, the first layer's output out of it before it
    // is quantized; the last layer runs NCHW on the dequantized tensor.
    assert.equal(f('reorders'), 2);
    assert.ok(Math.abs(f('kReorder') - (16 * hw + 32 * hw) / 1000) < 1e-12);
    assert.ok(Math.abs(f('mMacsNchwc:pw') - (16 * 32 * hw) / 1e6) < 1e-9);
    // Without bits the runtime runs the float graph: no quantized features at all.
    const asFloat = features(layers, false, 16);
    for (const name of ['mMacsQ:conv', 'kTilesQ', 'kParamsDq']) assert.equal(asFloat(name), 0, name);
  });

  it('leave the operator features as they were, and append the runtime ones', () => {
    const x = modelFeatures(net, true, 0.5, { nchwcBlock: 16 });
    assert.deepEqual([...x.subarray(0, kLatencyFeatures.length)], [...latencyFeatures(net, true, 0.5)]);
    assert.deepEqual([...modelFeatures(net, true, 0.5)], [...latencyFeatures(net, true, 0.5)]);
    assert.deepEqual(kRuntimeLatencyFeatures.slice(kLatencyFeatures.length), [...kRuntimeFeatures]);
  });

  it('take the NCHWc block from the CPU the profile was measured on', () => {
    assert.equal(nchwcBlockOf({ arch: 'x64', cpuFlags: ['avx', 'avx2', 'avx512f', 'fma'] }), 16);
    assert.equal(nchwcBlockOf({ arch: 'x64', cpuFlags: ['avx', 'avx2', 'fma'] }), 8);
    assert.equal(nchwcBlockOf({ arch: 'x64' }), 8, 'flags not recorded (format 2): the AVX2 block');
    assert.equal(nchwcBlockOf({ arch: 'arm64', cpuFlags: ['asimd'] }), 1);
    assert.equal(nchwcBlockOf({ arch: 'x64', cpuFlags: ['avx512f'] }, 'tfjs-wasm'), 1, 'tfjs has no NCHWc');
  });
});
