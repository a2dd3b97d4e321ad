import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { randomSearch } from '../../evolution/randomSearch.js';
import type { Fitness, ScoreOptions, Scores, TargetInfo } from '../../evolution/types.js';
import { configKey } from '../../space/searchSpace.js';
import type { SubnetConfig } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';
import { LocalFitness } from '../fixtures/localFitness.js';
import { tinySpace } from '../space/tinySpace.js';
import { allConfigs } from './spaceEnumeration.js';

const space = microSpace();

/** Records every config it scores and the scores it gave. */
class RecordingFitness implements Fitness {
  readonly seen: Array<{ config: SubnetConfig; accuracy: number; latency: number }> = [];

  constructor(private readonly inner: Fitness) {}

  get targets(): readonly TargetInfo[] {
    return this.inner.targets;
  }

  async score(configs: readonly SubnetConfig[], options?: ScoreOptions): Promise<Scores> {
    const s = await this.inner.score(configs, options);
    configs.forEach((config, i) => this.seen.push({ config, accuracy: s.accuracy[i], latency: s.latency[i * this.targets.length] }));
    return s;
  }
}

describe('randomSearch', () => {
  let local: LocalFitness;

  before(async () => {
    local = await LocalFitness.create(space, ['rpi4']);
  });

  it('scores exactly `count` distinct configs and keeps the most accurate within the budget', async () => {
    const fitness = new RecordingFitness(local);
    const max = 0.27;
    const result = await randomSearch(space, fitness, { target: 'rpi4', max }, { count: 300, seed: 5, quant: 'mixed' });
    assert.equal(result.scored, 300);
    assert.equal(fitness.seen.length, 300);
    assert.equal(new Set(fitness.seen.map((s) => configKey(space, s.config))).size, 300);
    assert.ok(fitness.seen.every((s) => s.config.wBits !== undefined), 'joint genome');
    const within = fitness.seen.filter((s) => s.latency <= max);
    assert.ok(within.length > 0 && within.length < 300, `the budget ${max} splits the sample (${within.length} within)`);
    assert.equal(result.within, within.length);
    assert.equal(result.best?.accuracy, Math.max(...within.map((s) => s.accuracy)));
    assert.ok((result.best?.latency ?? Infinity) <= max);
  });

  it('is reproducible from its seed', async () => {
    const budget = { target: 'rpi4', max: 0.27 };
    const a = await randomSearch(space, local, budget, { count: 50, seed: 1 });
    const b = await randomSearch(space, local, budget, { count: 50, seed: 1 });
    const c = await randomSearch(space, local, budget, { count: 50, seed: 2 });
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.best?.config, c.best?.config);
  });

  it('stops at its draw bound on a space smaller than the count', async () => {
    const tiny = tinySpace();
    const fitness = await LocalFitness.create(tiny, ['macs']);
    const size = allConfigs(tiny, 'fp32').length;
    const result = await randomSearch(tiny, fitness, { target: 'macs', max: Infinity }, { count: size + 100, seed: 3, quant: 'fp32', resampleLimit: 2 });
    assert.ok(result.scored <= size && result.scored > size / 2, `${result.scored} of ${size}`);
  });

  it('checks its options', async () => {
    await assert.rejects(randomSearch(space, local, { target: 'rpi4', max: 1 }, { count: 0 }), /options.count must be a positive integer \(got 0\)/);
    await assert.rejects(randomSearch(space, local, { target: 'rpi4', max: -1 }, { count: 5 }), /a latency budget must be a positive number \(got -1\)/);
  });
});
