import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kDefaultMeasureOptions, measureLatency, withMeasurementLock } from '../../profiling/measure.js';
import type { MeasureOptions } from '../../profiling/measure.js';

/** Spins until `ms` milliseconds of wall time have passed. */
function spin(ms: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < end) {
    // busy
  }
}

const quick: MeasureOptions = { warmupRuns: 10, runs: 30 };

describe('measureLatency', () => {
  it('has documented defaults at or above the minimums', () => {
    assert.ok(Object.isFrozen(kDefaultMeasureOptions));
    assert.ok(kDefaultMeasureOptions.warmupRuns >= 10);
    assert.ok(kDefaultMeasureOptions.runs >= 30);
    assert.ok(kDefaultMeasureOptions.maxAttempts >= 1);
  });

  it('gives a sane median for a deterministic busy loop', async () => {
    let calls = 0;
    const m = await measureLatency(
      () => {
        calls++;
        spin(0.5);
      },
      { ...quick, maxCv: Infinity, maxIqrRatio: Infinity, threads: 1, label: 'spin-0.5ms' },
    );
    assert.equal(calls, 40);
    assert.equal(m.samplesMs.length, 30);
    assert.ok(m.medianMs >= 0.5 && m.medianMs < 5, `median ${m.medianMs} ms`);
    assert.ok(m.minMs >= 0.5);
    assert.ok(m.minMs <= m.q1Ms && m.q1Ms <= m.medianMs && m.medianMs <= m.q3Ms && m.q3Ms <= m.maxMs);
    assert.equal(m.iqrMs, m.q3Ms - m.q1Ms);
    assert.equal(m.flagged, false);
    assert.equal(m.reason, null);
    assert.equal(m.attempts, 1);
    assert.equal(m.threads, 1);
    assert.equal(m.label, 'spin-0.5ms');
    assert.ok(m.endedAtMs > m.startedAtMs);
    assert.deepEqual(JSON.parse(JSON.stringify(m)), m, 'a measurement is plain JSON data');
  });

  it('accepts async runs', async () => {
    const m = await measureLatency(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
    }, { ...quick, maxCv: Infinity, maxIqrRatio: Infinity });
    assert.ok(m.medianMs >= 0.9, `median ${m.medianMs} ms`);
  });

  it('flags a run alternating very fast and very slow after every attempt', async () => {
    let i = 0;
    const m = await measureLatency(() => {
      if (i++ % 2 === 1) spin(2);
    }, { ...quick, maxAttempts: 3 });
    assert.equal(m.flagged, true);
    assert.equal(m.attempts, 3);
    assert.equal(i, 10 + 3 * 30);
    assert.match(m.reason ?? '', /spread too wide in all 3 attempt\(s\).*IQR\/median .* > options\.maxIqrRatio 0\.1/);
  });

  it('validates options with messages naming the option', async () => {
    const noop = () => undefined;
    await assert.rejects(measureLatency(noop, { runs: 5 }), /^RangeError: options\.runs must be an integer >= 30 \(got 5\)$/);
    await assert.rejects(measureLatency(noop, { runs: 30.5 }), /options\.runs must be an integer >= 30 \(got 30\.5\)/);
    await assert.rejects(measureLatency(noop, { warmupRuns: 3 }), /options\.warmupRuns must be an integer >= 10 \(got 3\)/);
    await assert.rejects(measureLatency(noop, { maxAttempts: 0 }), /options\.maxAttempts must be an integer >= 1 \(got 0\)/);
    await assert.rejects(measureLatency(noop, { maxCv: -1 }), /options\.maxCv must be a positive number.*\(got -1\)/);
    await assert.rejects(measureLatency(noop, { maxIqrRatio: NaN }), /options\.maxIqrRatio must be a positive number.*\(got NaN\)/);
    await assert.rejects(measureLatency(noop, { threads: 0 }), /options\.threads must be an integer >= 1 \(got 0\)/);
    await assert.rejects(measureLatency(noop, { label: 3 as unknown as string }), /options\.label must be a string/);
    await assert.rejects(measureLatency(42 as unknown as () => void), /needs a function to run \(got number\)/);
  });

  it('rejects when the run throws, names the run, and releases the lock', async () => {
    let n = 0;
    await assert.rejects(
      measureLatency(() => {
        if (++n === 12) throw new Error('boom');
      }, { ...quick, label: 'bad' }),
      /measureLatency 'bad': the run function failed in timed run 2: boom/,
    );
    const m = await measureLatency(() => undefined, { ...quick, maxCv: Infinity, maxIqrRatio: Infinity });
    assert.equal(m.samplesMs.length, 30);
  });

  it('never overlaps two concurrent measurements', async () => {
    let active = 0;
    let maxActive = 0;
    const intervals: Array<[number, number]> = [];
    const make = () => {
      let first = 0;
      let calls = 0;
      return {
        run: async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          if (calls++ === 0) first = performance.now();
          await new Promise((resolve) => setImmediate(resolve));
          spin(0.05);
          active--;
          if (calls === 40) intervals.push([first, performance.now()]);
        },
      };
    };
    const a = make();
    const b = make();
    const lockedWork = withMeasurementLock(async () => {
      active++;
      maxActive = Math.max(maxActive, active);
      await new Promise((resolve) => setTimeout(resolve, 5));
      active--;
    });
    const opts = { ...quick, maxCv: Infinity, maxIqrRatio: Infinity };
    const [ma, mb] = await Promise.all([measureLatency(a.run, opts), measureLatency(b.run, opts), lockedWork]);
    assert.equal(maxActive, 1);
    assert.equal(intervals.length, 2);
    const [[s1, e1], [s2, e2]] = intervals.sort((x, y) => x[0] - y[0]);
    assert.ok(e1 <= s2, `intervals overlap: [${s1}, ${e1}] and [${s2}, ${e2}]`);
    const [first, second] = [ma, mb].sort((x, y) => x.startedAtMs - y.startedAtMs);
    assert.ok(first.endedAtMs <= second.startedAtMs);
  });
});
