import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveTarget } from '../../latency/targets.js';
import { latencyErrorAtProfileSpeed, type VerifyRow } from '../../pipeline/verifyConfigs.js';
import { atProfileSpeed, type LatencyCheck } from '../../pipeline/verifyLatency.js';
import { verifyNotes, verifyTable } from '../../pipeline/verifyReport.js';
import type { ProfileDrift } from '../../profiling/profileDrift.js';
import type { Measurement } from '../../profiling/measure.js';
import type { SubnetConfig } from '../../space/types.js';

const float: SubnetConfig = { depths: [1, 1, 1], kernels: Array(9).fill(3), expands: Array(9).fill(1), widths: [1, 1, 1], families: ['resnet', 'resnet', 'resnet'], stemStride: 1 };

function measurement(medianMs: number, flagged = false): Measurement {
  return {
    label: 'm', threads: 2, warmupRuns: 10, runs: 50, attempts: 1, medianMs, q1Ms: medianMs, q3Ms: medianMs, iqrMs: 0.01, meanMs: medianMs,
    minMs: medianMs, maxMs: medianMs, cv: 0.01, samplesMs: [medianMs], flagged, reason: flagged ? 'spread too wide' : null, startedAtMs: 0, endedAtMs: 1,
  };
}

function drift(ratio: number | null, quantizedRatio?: number | null): ProfileDrift {
  return {
    profile: 'p.json', references: 3, flagged: 0, ratio,
    ...(quantizedRatio === undefined ? {} : { quantized: { references: 3, flagged: 0, ratio: quantizedRatio } }),
  };
}

function row(config: SubnetConfig, predictedMs: number, latency: LatencyCheck, searchVal: VerifyRow['searchVal'] = null): VerifyRow {
  return {
    source: 'search-ort-cpu-2.json', target: 'ort-cpu:2', unit: 'ms', kind: resolveTarget('ort-cpu:2').kind, budget: 0.25, config,
    model: { file: 'search-ort-cpu-2.onnx', format: 'onnx', bytes: 1000, macs: 1e6, params: 1e4, bitOps: 0 },
    predicted: { accuracy: 0.8918, latency: predictedMs, latencies: { 'ort-cpu:2': predictedMs } }, searchVal,
    testAccuracy: 0.8525, testImages: 10_000, latency,
  };
}

describe('verify: latency at the profile\'s speed', () => {
  it('divides the measured median by the geometric mean of the drift before and after, per precision group', () => {
    const check: LatencyCheck = { measurement: measurement(0.294), runtime: 'ort', drift: drift(1.8, 1.9), driftAfter: drift(1.84, 2.0) };
    const f = atProfileSpeed(check, false);
    assert.ok(f !== null);
    assert.ok(Math.abs(f.ratio - Math.sqrt(1.8 * 1.84)) < 1e-12);
    assert.ok(Math.abs(f.medianMs - 0.294 / Math.sqrt(1.8 * 1.84)) < 1e-12);
    const q = atProfileSpeed(check, true);
    assert.ok(q !== null && Math.abs(q.ratio - Math.sqrt(1.9 * 2.0)) < 1e-12, 'a quantized config takes the quantized references\' drift');
    // A quantized model without quantized references re-timed: its group's speed is unknown (fp32 and int8 drift apart: 1.06x vs 1.85x measured).
    assert.equal(atProfileSpeed({ ...check, drift: drift(1.8), driftAfter: drift(1.84) }, true), null);
  });

  it('gives none when the speed moved more than 10% across the rows, a drift is unknown, or the measurement is flagged or missing', () => {
    const base: LatencyCheck = { measurement: measurement(0.294), runtime: 'ort', drift: drift(1.8), driftAfter: drift(1.8) };
    assert.equal(atProfileSpeed({ ...base, driftAfter: drift(1.99) }, false), null, '1.8x to 1.99x: moved 10.6%');
    assert.ok(atProfileSpeed({ ...base, driftAfter: drift(1.97) }, false) !== null, '1.8x to 1.97x: moved 9.4%');
    assert.equal(atProfileSpeed({ ...base, driftAfter: drift(null) }, false), null);
    assert.equal(atProfileSpeed({ ...base, driftAfter: null }, false), null);
    assert.equal(atProfileSpeed({ ...base, drift: undefined }, false), null);
    assert.equal(atProfileSpeed({ ...base, measurement: measurement(0.294, true) }, false), null);
    assert.equal(atProfileSpeed({ ...base, measurement: null }, false), null);
  });

  it('shows the search\'s measured val, both errors, and notes the drift before and after and an unsteady machine', () => {
    const latency: LatencyCheck = { measurement: measurement(0.294), runtime: 'ort', drift: drift(1.82), driftAfter: drift(1.8) };
    const steady = row(float, 0.1672, { ...latency, atProfileSpeed: atProfileSpeed(latency, false) }, { accuracy: 0.8553, images: 10_000 });
    assert.ok(Math.abs((latencyErrorAtProfileSpeed(steady) as number) - (100 * (0.1672 * Math.sqrt(1.82 * 1.8) - 0.294)) / 0.294) < 1e-9);
    const table = verifyTable([steady]);
    assert.match(table, /^target\s+budget\s+predicted acc \(val\)\s+measured val \(search\)\s+test acc \(ONNX\)\s+predicted latency\s+measured median \(IQR\)\s+error %\s+error % at the profile's speed\s+within budget$/m);
    assert.match(table, /^ort-cpu:2\s+0\.25 ms\s+89\.18%\s+85\.53%\s+85\.25%\s+0\.1672 ms\s+0\.294 ms \(IQR 0\.01\)\s+-43\.1%\s+\+2\.9%\s+no$/m);
    assert.deepEqual(verifyNotes([steady], 4), [
      "ort-cpu:2: this machine ran the profile's subnets at fp32 1.82x their profiled latency before timing and fp32 1.80x after (3 fp32 reference subnets of p.json re-timed each time): " +
        "it was not running as when profiled, so measured and predicted latencies differ by that much before any model error; the error at the profile's speed divides it out",
    ]);
    const moved: LatencyCheck = { ...latency, driftAfter: drift(1.2) };
    const unsteady = row(float, 0.1672, { ...moved, atProfileSpeed: atProfileSpeed(moved, false) });
    assert.match(verifyTable([unsteady]), /^ort-cpu:2\s+0\.25 ms\s+89\.18%\s+-\s+85\.25%\s+0\.1672 ms\s+0\.294 ms \(IQR 0\.01\)\s+-43\.1%\s+-\s+no$/m);
    const note = verifyNotes([unsteady])[0];
    assert.match(note, /at fp32 1\.82x their profiled latency before timing and fp32 1\.20x after .*: it was not running as when profiled, so measured and predicted latencies differ by that much before any model error; its speed moved by more than 10% between before and after, so no one factor puts its rows of that precision at the profile's speed$/);
    // Noisy re-timings are counted; a group none of whose references ran is unknown.
    const noisy: LatencyCheck = { ...latency, drift: { ...drift(1.82), flagged: 2, quantized: { references: 0, flagged: 0, ratio: null } } };
    assert.match(verifyNotes([row(float, 0.1672, noisy)])[0], /at fp32 1\.82x \(2 of 3 re-timings noisy\), quantized unknown \(none re-timed\) their profiled latency before timing/);
  });

  it('notes a target whose threads take every core of the machine, once', () => {
    const two = row(float, 0.1672, { measurement: measurement(0.2), runtime: 'ort' });
    const notes = verifyNotes([two, two], 2);
    assert.deepEqual(notes, [
      'ort-cpu:2: its 2 intra-op threads take every core of this 2-core machine, so its times move with whatever else runs on it (on 2-core machines, ' +
        'phases up to 2x apart that slow graphs with more operators most): time it where the model will be deployed, or beside a standard model in ' +
        "alternating rounds ('npm run bench:baselines -- --target ort-cpu:2 --compare mine=OUT/search-ort-cpu-2.onnx', OUT the verify folder)",
    ]);
    assert.deepEqual(verifyNotes([two], 4), []);
    assert.deepEqual(verifyNotes([row(float, 0.1672, { measurement: { ...measurement(0.2), threads: 1 }, runtime: 'ort' })], 1), [], 'one thread on one core is not a multi-threaded session');
  });
});
