import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { activationBytes, layerBitops, layerBytes, weightBytes } from '../../space/layerCost.js';
import { ProxyModel, proxyUnit, proxyValue } from '../../latency/proxy.js';
import { block, cfg, layer, lowerStub } from './layerFixtures.js';

function close(actual: number, expected: number, tol = 1e-12): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected)), `expected ${expected}, got ${actual}`);
}

describe('layer costs', () => {
  it('counts packed weight bytes and activation bytes at their bit-widths', () => {
    const l = layer({ kind: 'conv', params: 1000, wBits: 4, aBits: 8 });
    assert.equal(weightBytes(l), 500);
    assert.equal(activationBytes(l), 2000);
    assert.equal(layerBytes(l), 2500);
    assert.equal(activationBytes(layer({ kind: 'add' })), 12000);
    assert.equal(layerBitops(layer({ kind: 'conv', macs: 10, wBits: 4, aBits: 8 })), 320);
  });
});

describe('proxies', () => {
  // One block of 16 channels, expand 4, 28x28 (784 pixels), fp32:
  // expand 784*16*64 = 802,816 MACs, depthwise 784*64*9 = 451,584, project 802,816.
  const layers = block(16, 4, 28);
  const macs = 802816 + 451584 + 802816;
  const params = 1024 + 576 + 1024;
  // bytes: expand 4,096 + (12,544 + 50,176) * 4; depthwise 2,304 + 2 * 50,176 * 4;
  // project like expand; add 3 * 12,544 * 4.
  const bytes = 254976 + 403712 + 254976 + 150528;

  it('have hand-checked values in their documented units', () => {
    close(proxyValue('macs', layers), macs / 1e6);
    close(proxyValue('params', layers), params / 1e6);
    close(proxyValue('bitops', layers), (macs * 32 * 32) / 1e9);
    close(proxyValue('bytes', layers), bytes / 1e6);
    assert.equal(proxyUnit('macs'), 'MMAC');
    assert.equal(proxyUnit('params'), 'M params');
    assert.equal(proxyUnit('bitops'), 'GBitOPs');
    assert.equal(proxyUnit('bytes'), 'MB');
  });

  it('see quantisation in bitops and bytes but not in macs', () => {
    const q = block(16, 4, 28, 8);
    close(proxyValue('macs', q), macs / 1e6);
    close(proxyValue('bitops', q), (macs * 64) / 1e9);
    close(proxyValue('bytes', q), bytes / 4 / 1e6);
  });

  it('predict many configs at once and say they are proxies', () => {
    const m = new ProxyModel('macs', lowerStub);
    assert.equal(m.kind, 'proxy');
    assert.equal(m.unit, 'MMAC');
    assert.equal(m.target, 'macs');
    const out = m.predict([cfg(1), cfg(3)]);
    assert.ok(out instanceof Float64Array);
    close(out[0], macs / 1e6);
    close(out[1], (3 * macs) / 1e6);
  });
});
