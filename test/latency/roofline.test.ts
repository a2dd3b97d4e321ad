import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { DeviceSpec } from '../../latency/deviceSpec.js';
import { loadDeviceSpec } from '../../latency/deviceSpec.js';
import { computePrecision, RooflineModel } from '../../latency/roofline.js';
import type { SubnetConfig } from '../../space/types.js';
import { cfg, layer, lowerStub } from './layerFixtures.js';

function close(actual: number, expected: number, tol = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tol, `expected ${expected}, got ${actual}`);
}

const profile: DeviceSpec = {
  name: 'test',
  description: 'hand-made',
  processor: 'cpu',
  maxThreads: 2,
  peakMacsPerSecond: { fp32: 1e9, int8: 4e9 },
  memoryBandwidthBytesPerSecond: 1e9,
  perOpOverheadMs: 0.01,
  perInferenceOverheadMs: 0.1,
  efficiency: { conv: 0.5, dwconv: 0.1, se: 0.5, pool: 0.5, fc: 0.5, add: 0.5 },
  sources: {},
};

// 1e6 MACs, 1,000 params, 1,000-element input and output.
const conv = layer({ kind: 'conv', macs: 1e6, params: 1000 });
const add = layer({ kind: 'add' });

describe('RooflineModel', () => {
  const model = new RooflineModel(profile, () => [conv, add]);

  it('labels itself an estimate in milliseconds', () => {
    assert.equal(model.kind, 'estimate');
    assert.equal(model.unit, 'ms');
    assert.equal(model.target, 'test:2');
    assert.equal(model.threads, 2);
  });

  it('takes the compute time of a compute-bound layer', () => {
    // 1e6 / (1e9 x 0.5) s = 2 ms; bytes 4,000 + 8,000 = 0.012 ms; + 0.01 ms overhead.
    close(model.layerMs(conv), 2.01);
  });

  it('takes the memory time of a memory-bound layer; add reads two inputs', () => {
    // no MACs; (2 x 1,000 + 1,000) x 4 bytes = 12,000 bytes = 0.012 ms; + 0.01.
    close(model.layerMs(add), 0.022);
  });

  it('runs 8-bit layers at the int8 peak and weight-only quantisation in float', () => {
    // 1e6 / (4e9 x 0.5) = 0.5 ms
    close(model.layerMs({ ...conv, wBits: 8, aBits: 8 }), 0.51);
    // fp32 compute, fewer weight bytes: still 2 ms compute-bound
    close(model.layerMs({ ...conv, wBits: 4, aBits: 32 }), 2.01);
    assert.equal(computePrecision(profile, 4, 8), 'int8');
    assert.equal(computePrecision(profile, 8, 32), 'fp32');
    assert.equal(computePrecision(profile, 4, 4), 'int8');
    assert.equal(computePrecision({ ...profile, peakMacsPerSecond: { fp32: 1, int8: 2, int4: 4 } }, 4, 4), 'int4');
  });

  it('slows the compute term down with fewer threads', () => {
    const one = new RooflineModel(profile, () => [conv], { threads: 1 });
    assert.equal(one.target, 'test:1');
    close(one.layerMs(conv), 4.01);
    close(one.layerMs(add), 0.022);
  });

  it('sums layers and the per-inference overhead', () => {
    close(model.estimateLayers([conv, add]), 2.01 + 0.022 + 0.1);
    const times = model.layerTimes([conv, add]);
    assert.ok(times instanceof Float64Array);
    close(times[0], 2.01);
    close(times[1], 0.022);
    const out = model.predict([cfg(1), cfg(2)]);
    assert.ok(out instanceof Float64Array);
    assert.equal(out.length, 2);
    close(out[0], 2.132);
    close(out[1], 2.132);
  });

  it('checks the thread count against the device', () => {
    assert.throws(() => new RooflineModel(profile, () => [], { threads: 3 }), /options\.threads must be an integer in \[1, 2\] for device test \(got 3\)/);
    assert.throws(() => new RooflineModel(profile, () => [], { threads: 0 }), /\(got 0\)/);
  });
});

describe('RooflineModel on the shipped profiles', () => {
  const fp32 = (d: number): SubnetConfig => cfg(d);
  const int8 = (d: number): SubnetConfig => ({ ...cfg(d), wBits: [8], aBits: [8] });

  it('grows with depth, and int8 is faster than fp32, on every device', () => {
    for (const name of ['rpi4', 'phone-big', 'gpu-small']) {
      const m = new RooflineModel(loadDeviceSpec(name), lowerStub);
      const [d1, d2, d4, q4] = m.predict([fp32(1), fp32(2), fp32(4), int8(4)]);
      assert.ok(d1 < d2 && d2 < d4, `${name}: ${d1}, ${d2}, ${d4}`);
      assert.ok(q4 < d4, `${name}: int8 ${q4} vs fp32 ${d4}`);
    }
  });

  it('ranks the devices plausibly for the same network', () => {
    const ms = (name: string, threads?: number) =>
      new RooflineModel(loadDeviceSpec(name), lowerStub, threads === undefined ? {} : { threads }).predict([fp32(4)])[0];
    assert.ok(ms('rpi4', 1) > ms('rpi4', 4));
    assert.ok(ms('phone-big') < ms('rpi4', 1));
    // Four blocks at 28x28 take well under a second and more than a microsecond anywhere.
    for (const name of ['rpi4', 'phone-big', 'gpu-small']) assert.ok(ms(name) > 0.001 && ms(name) < 1000);
  });

  it('makes depthwise layers a larger share of the time than of the MACs', () => {
    const m = new RooflineModel(loadDeviceSpec('rpi4'), lowerStub);
    const layers = lowerStub(fp32(1));
    const times = m.layerTimes(layers);
    const dw = layers.findIndex((l) => l.kind === 'dwconv');
    const macShare = layers[dw].macs / layers.reduce((s, l) => s + l.macs, 0);
    const timeShare = times[dw] / times.reduce((s, t) => s + t, 0);
    assert.ok(timeShare > macShare, `dwconv time share ${timeShare} vs MAC share ${macShare}`);
  });
});
