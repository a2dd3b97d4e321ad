import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resolveConfig } from '../../supernet/io.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { configSpace } from '../../space/configSpace.js';
import { parseConfig } from '../../space/schema.js';
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

  it('takes the config a network trained on its own was trained from, and refuses another one of its parent space', () => {
    const { space, config } = configSpace(fashionHybrid, cfg);
    assert.deepEqual(resolveConfig(space, 'largest'), config);
    assert.deepEqual(resolveConfig(space, write('trained.json', cfg)), config);
    // Mixed widths and families (the shipped ResNet-8-budget pick): the reduced space's largest is
    // another network; the parent config names the trained one.
    const mixed = { depths: [2, 2, 3], kernels: [3, 3, 3, 3, 3, 3, 3, 3, 3], expands: [3, 2, 2, 3, 3, 2, 1, 1, 1], widths: [0.67, 0.34, 0.34], families: ['mbconv', 'mbconv', 'resnet'], stemStride: 1 };
    const reduced = configSpace(fashionHybrid, parseConfig(fashionHybrid, mixed));
    assert.notDeepEqual(resolveConfig(reduced.space, 'largest'), reduced.config);
    assert.deepEqual(resolveConfig(reduced.space, write('mixed.json', mixed)), reduced.config);
    const err = /has \d+ entries but the space has \d+ block slots[\s\S]*trained on its own \('hwnas train --config'\).*give the config it was trained from/;
    assert.throws(() => resolveConfig(space, write('parent.json', largestConfig(fashionHybrid))), err);
  });
});
