import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DataParallelTrainer } from '../../../supernet/train/dataParallel.js';
import { Rng } from '../../../space/rng.js';
import { TINY_INPUT, type TinyInit, type TinyTask } from '../../fixtures/tinyReplica.js';
import { relError, uniform } from '../../fixtures/compare.js';

const MODULE = new URL('../../fixtures/tinyReplica.js', import.meta.url);
const PIXELS = TINY_INPUT[0] * TINY_INPUT[1] * TINY_INPUT[2];

function batch(seed: number, n: number): TinyTask {
  const rng = new Rng(seed);
  return { x: uniform(() => rng.next(), n * PIXELS), y: Int32Array.from({ length: n }, () => rng.int(3)) };
}

function shard(t: TinyTask, from: number, to: number): TinyTask {
  return { x: t.x.slice(from * PIXELS, to * PIXELS), y: t.y.slice(from, to) };
}

describe('DataParallelTrainer', () => {
  let single: DataParallelTrainer<TinyInit, TinyTask>;
  let pair: DataParallelTrainer<TinyInit, TinyTask>;

  before(async () => {
    single = await DataParallelTrainer.create({ module: MODULE, init: { seed: 3 }, workers: 1, backend: 'wasm' });
    pair = await DataParallelTrainer.create({ module: MODULE, init: { seed: 3 }, workers: 2, backend: 'wasm' });
  });

  after(async () => {
    await single.close();
    await pair.close();
  });

  it('averages two shards to the full-batch gradient of one process', async () => {
    const full = batch(1, 10);
    // Unequal shards: the average must weight by sample count.
    const reference = await single.computeGradients([full]);
    const split = await pair.computeGradients([shard(full, 0, 6), shard(full, 6, 10)]);
    assert.equal(split.count, 10);
    assert.equal(split.grads.length, single.paramCount);
    assert.ok(relError(split.grads, reference.grads) <= 1e-5, `gradient error ${relError(split.grads, reference.grads)}`);
    assert.ok(Math.abs(split.loss - reference.loss) <= 1e-5 * Math.abs(reference.loss));
  });

  it('keeps the replicas identical, and equal to one process, over several steps', async () => {
    for (let step = 0; step < 3; step++) {
      const full = batch(10 + step, 8);
      await single.step([full], 0.1);
      const r = await pair.step([shard(full, 0, 4), shard(full, 4, 8)], 0.1);
      assert.equal(r.count, 8);
    }
    const [a, b, reference] = await Promise.all([pair.getState(0), pair.getState(1), single.getState()]);
    assert.equal(a.length, reference.length);
    a.forEach((arr, i) => {
      assert.deepEqual(arr, b[i], `replicas differ in state array ${i}`);
      assert.ok(relError(arr, reference[i]) <= 1e-4, `state array ${i} differs from one process`);
    });
    assert.notDeepEqual(a[0], (await DataParallelTrainer.create({ module: MODULE, init: { seed: 3 } }).then(async (t) => {
      const s = await t.getState();
      await t.close();
      return s;
    }))[0], 'the steps changed the parameters');
  });

  it('setState reaches every replica', async () => {
    const state = await single.getState();
    await pair.setState(state);
    const [a, b] = await Promise.all([pair.getState(0), pair.getState(1)]);
    a.forEach((arr, i) => {
      assert.deepEqual(arr, state[i]);
      assert.deepEqual(b[i], state[i]);
    });
  });

  it('rejects the step with the worker\'s message when a replica throws', async () => {
    const failing = await DataParallelTrainer.create<TinyInit, TinyTask>({
      module: MODULE, init: { seed: 3, failOn: 3 }, workers: 2, backend: 'wasm',
    });
    try {
      const full = batch(2, 5);
      await assert.rejects(
        failing.step([shard(full, 0, 2), shard(full, 2, 5)], 0.1),
        /data-parallel worker 1: refusing a task of 3 samples/,
      );
      // The trainer still serves requests after a task error.
      const ok = await failing.computeGradients([shard(full, 0, 2), shard(full, 0, 2)]);
      assert.equal(ok.count, 4);
    } finally {
      await failing.close();
    }
  });

  it('rejects when the module has no createReplica', async () => {
    await assert.rejects(
      DataParallelTrainer.create({ module: new URL('../../fixtures/compare.js', import.meta.url), init: {}, workers: 2 }),
      /data-parallel worker \d: .*does not export createReplica\(init\)/,
    );
  });

  it('validates options', async () => {
    await assert.rejects(DataParallelTrainer.create({ module: MODULE, init: { seed: 1 }, workers: 0 }),
      /options\.workers must be a positive integer \(got 0\)/);
  });
});
