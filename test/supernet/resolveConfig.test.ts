import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../supernet/io.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { configSpace } from '../../space/configSpace.js';
import { tempDir } from '../fixtures/tempDir.js';

describe('resolveConfig', () => {
  const dir = tempDir('hwnas-config-');
  const write = (name: string, json: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(json));
    return path;
  };
  const cfg = smallestConfig(fashionHybrid);

  it('reads a bare config, a wrapped one and the choice of a budget search', () => {
    assert.deepEqual(resolveConfig(fashionHybrid, write('bare.json', cfg)), cfg);
    assert.deepEqual(resolveConfig(fashionHybrid, write('wrapped.json', { config: cfg })), cfg);
    const results = { format: 'hwnas-search-result', version: 1, mode: 'budget', target: 'ort-cpu:1', best: { config: cfg, accuracy: 0.9 }, front: [] };
    assert.deepEqual(resolveConfig(fashionHybrid, write('search.json', results)), cfg);
  });

  it('refuses a Pareto front and a budget search that found nothing, naming what to do', () => {
    assert.throws(() => resolveConfig(fashionHybrid, write('front.json', { format: 'hwnas-search-result', mode: 'pareto', front: [] })), /Pareto search \(a front of configs\).*--max-latency/);
    assert.throws(() => resolveConfig(fashionHybrid, write('none.json', { format: 'hwnas-search-result', mode: 'budget', best: null })), /found no config within its budget/);
  });

  it("names 'largest' when given the parent space's config of a network trained on its own", () => {
    const { space, config } = configSpace(fashionHybrid, cfg);
    assert.deepEqual(resolveConfig(space, 'largest'), config);
    const err = /has \d+ entries but the space has \d+ block slots[\s\S]*trained on its own \('hwnas train --config'\).*name it as largest/;
    assert.throws(() => resolveConfig(space, write('parent.json', largestConfig(fashionHybrid))), err);
  });
});
