import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kDefaultSampler, measureInterleaved, timingOf, type SamplerSettings } from '../../profiling/interleaved.js';

function spin(ms: number): void {
  const end = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < end) {
    // busy
  }
}

const quick: SamplerSettings = { warmupRuns: 3, minSampleMs: 0, minRounds: 5, maxRounds: 20, targetSpread: 0.05 };

describe('measureInterleaved', () => {
  it('has defaults that pass its own checks', async () => {
    assert.ok(Object.isFrozen(kDefaultSampler));
    const m = await measureInterleaved([() => undefined], kDefaultSampler);
    assert.ok(m.rounds >= kDefaultSampler.minRounds && m.rounds <= kDefaultSampler.maxRounds);
  });

  it('interleaves the graphs, alternating their order round by round', async () => {
    const order: string[] = [];
    await measureInterleaved([() => order.push('a'), () => order.push('b')], { ...quick, warmupRuns: 1, targetSpread: 1e9 });
    const timed = order.slice(2).join('');
    assert.equal(timed, 'abbaabbaab', 'warm-up a, b; then rounds ab, ba, ab, ba, ab');
  });

  it('batches fast runs so that a sample lasts minSampleMs, and reports per-run times', async () => {
    let calls = 0;
    const m = await measureInterleaved([() => {
      calls++;
      spin(0.05);
    }], { ...quick, minSampleMs: 1, minRounds: 15, maxRounds: 15, targetSpread: 1e9 });
    const [t] = m.timings;
    assert.ok(t.batch >= 10 && t.batch <= 20, `batch ${t.batch}`);
    assert.equal(calls, quick.warmupRuns + 15 * t.batch);
    assert.ok(t.medianMs >= 0.05 && t.medianMs < 1, `median ${t.medianMs}`);
    assert.ok(t.q1Ms <= t.medianMs && t.medianMs <= t.q3Ms);
  });

  it('stops at the first check once precise, and measures a noisy graph more, up to maxRounds, then keeps it', async () => {
    const steady = await measureInterleaved([() => spin(0.2)], { ...quick, targetSpread: 0.5 });
    assert.equal(steady.rounds, 5);
    assert.equal(steady.noisy, false);
    let i = 0;
    // Alternating 0.1 / 1 ms: the median's standard error never gets near 0.1%.
    const noisy = await measureInterleaved([() => spin(i++ % 2 === 0 ? 0.1 : 1)], { ...quick, targetSpread: 0.001 });
    assert.equal(noisy.rounds, 20);
    assert.equal(noisy.noisy, true);
    assert.ok(noisy.spread > 0.001 && Number.isFinite(noisy.spread));
    assert.ok(noisy.timings[0].medianMs > 0.05);
  });

  it('stops at the deadline after minRounds', async () => {
    const m = await measureInterleaved([() => spin(0.1)], { ...quick, maxRounds: 1000, targetSpread: 1e-12 }, { deadlineMs: Date.now() });
    assert.equal(m.rounds, 5);
    assert.equal(m.noisy, true);
  });

  it('uses the caller\'s spread', async () => {
    const m = await measureInterleaved([() => spin(0.1), () => undefined], quick, { spreadOf: () => 0.01 });
    assert.equal(m.spread, 0.01);
    assert.equal(m.timings.length, 2);
  });

  it('validates its settings and names the failing run', async () => {
    await assert.rejects(measureInterleaved([() => undefined], { ...quick, minRounds: 2 }), /sampler\.minRounds must be an integer >= 5 \(got 2\)/);
    await assert.rejects(measureInterleaved([() => undefined], { ...quick, maxRounds: 4 }), /sampler\.maxRounds must be an integer >= 5 \(got 4\)/);
    await assert.rejects(measureInterleaved([() => undefined], { ...quick, targetSpread: 0 }), /sampler\.targetSpread must be positive/);
    await assert.rejects(measureInterleaved([], quick), /at least one run function/);
    await assert.rejects(measureInterleaved([() => {
      throw new Error('boom');
    }], quick, { label: 'part x' }), /measuring 'part x' failed: boom/);
  });

  it('estimates the standard error of a median from the IQR', () => {
    const t = timingOf([1, 2, 3, 4, 5, 6, 7, 8, 9], 3);
    assert.equal(t.medianMs, 5);
    assert.equal(t.q1Ms, 3);
    assert.equal(t.q3Ms, 7);
    assert.ok(Math.abs(t.seMs - (0.93 * 4) / 3) < 1e-12);
    assert.equal(t.batch, 3);
    assert.equal(t.samples, 9);
  });
});
