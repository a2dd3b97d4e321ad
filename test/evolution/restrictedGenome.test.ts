/**
 * A search inside part of a space (`--only`): the restricted genome's members, mutants,
 * children and fast seeds stay inside and remain canonical configs of the whole space; a search
 * with it finds only such configs; bad restrictions are refused naming the spec and the choices.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossover } from '../../evolution/crossover.js';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { mutate } from '../../evolution/mutate.js';
import { parseGeneRestrictions, restrictedGenome, type GeneRestriction } from '../../evolution/restrictedGenome.js';
import { fashionHybrid, fashionMbv3 } from '../../space/defaultSpace.js';
import { Rng } from '../../space/rng.js';
import { canonicalConfig, configStemStride, stageFamily } from '../../space/searchSpace.js';
import { parseConfig } from '../../space/schema.js';
import type { SubnetConfig } from '../../space/types.js';
import { LocalFitness } from '../fixtures/localFitness.js';

const space = fashionHybrid;
const only: GeneRestriction = parseGeneRestrictions(space, ['stem-stride=1', 'family=resnet,mbconv', 'depth=2,3', 'width=0.67,1']);

function assertInside(cfg: SubnetConfig, what: string): void {
  assert.deepEqual(parseConfig(space, cfg), cfg, `${what}: not a config of the space`);
  assert.deepEqual(canonicalConfig(space, cfg), cfg, `${what}: not canonical`);
  assert.equal(configStemStride(space, cfg), 1, `${what}: stem stride`);
  space.stages.forEach((_, s) => {
    assert.ok(['resnet', 'mbconv'].includes(stageFamily(space, cfg, s).name), `${what}: stage ${s} family ${stageFamily(space, cfg, s).name}`);
    assert.ok([2, 3].includes(cfg.depths[s]), `${what}: stage ${s} depth ${cfg.depths[s]}`);
    assert.ok([0.67, 1].includes(cfg.widths[s]), `${what}: stage ${s} width ${cfg.widths[s]}`);
  });
}

describe('parseGeneRestrictions', () => {
  it('reads NAME=VALUES into the allowed values of each gene, in the space order', () => {
    assert.deepEqual(only, { stemStride: [1], families: ['mbconv', 'resnet'], depths: [2, 3], widths: [0.67, 1] });
    assert.deepEqual(parseGeneRestrictions(space, []), {});
  });

  it('refuses what it cannot honour, naming the spec, the problem and the choices', () => {
    assert.throws(() => parseGeneRestrictions(space, ['kernel=3']), /--only kernel=3: give NAME=VALUES with NAME one of stem-stride, family, depth, width/);
    assert.throws(() => parseGeneRestrictions(space, ['family']), /--only family: give NAME=VALUES/);
    assert.throws(() => parseGeneRestrictions(space, ['family=vgg']), /--only family=vgg: 'vgg' is not a family of space 'fashion-hybrid' \(choices: mbconv, fused, resnet\)/);
    assert.throws(() => parseGeneRestrictions(space, ['width=0.5']), /'0\.5' is not a width of space 'fashion-hybrid' \(choices: /);
    assert.throws(() => parseGeneRestrictions(space, ['depth=']), /'' is not a depth/);
    assert.throws(() => parseGeneRestrictions(space, ['depth=2', 'depth=3']), /--only depth is given twice: list every allowed value in one/);
    assert.throws(() => parseGeneRestrictions(fashionMbv3, ['stem-stride=1']), /space 'fashion-mbv3' has a fixed stem stride \(2\); drop it/);
    assert.throws(() => parseGeneRestrictions(fashionMbv3, ['family=mbconv']), /space 'fashion-mbv3' has no block families; drop it/);
  });
});

describe('restrictedGenome', () => {
  it('draws, mutates and crosses only configs inside, canonical in the whole space', () => {
    const genome = restrictedGenome(space, 'fp32', only);
    const rng = new Rng(7);
    const members = Array.from({ length: 200 }, () => genome.sample(rng));
    members.forEach((cfg, i) => assertInside(cfg, `member ${i}`));
    // The part is covered, not one corner of it.
    assert.equal(new Set(members.flatMap((c) => c.families)).size, 2);
    assert.equal(new Set(members.map((c) => c.depths[0])).size, 2);
    for (let i = 0; i < 200; i++) {
      assertInside(mutate(genome.layout, members[i], rng, 0.5), `mutant ${i}`);
      assertInside(crossover(genome.layout, members[i], members[(i + 1) % 200], rng), `child ${i}`);
    }
    const seeds = genome.fastSeeds();
    assert.ok(seeds.length >= 1);
    seeds.forEach((cfg, i) => assertInside(cfg, `seed ${i}`));
    assert.ok(seeds.every((c) => c.depths.every((d) => d === 2) && c.widths.every((w) => w === 0.67)), 'the fast seeds are the smallest allowed');
  });

  it('refuses a restriction that leaves a gene no choice', () => {
    assert.throws(() => restrictedGenome(space, 'fp32', { widths: [0.5] }), /leaves gene widths\[0\] no choice of /);
  });

  it('keeps a search inside: the front, the best within a budget and the fastest', async () => {
    const fitness = await LocalFitness.create(space, ['macs']);
    const genome = restrictedGenome(space, 'fp32', only);
    const options = { quant: 'fp32' as const, seed: 3, generations: 4, populationSize: 24, parentsSize: 6, mutationSize: 12, crossoverSize: 12 };
    const finder = new EvolutionFinder(space, fitness, options, genome);
    const front = (await finder.pareto('macs')).front;
    assert.ok(front.length >= 3, `front of ${front.length}`);
    front.forEach((m, i) => assertInside(m.config, `front member ${i}`));
    const max = front[Math.floor(front.length / 2)].latency;
    const within = await finder.search({ target: 'macs', max });
    assertInside(within.best.config, 'best within the budget');
    assert.ok(within.best.latency <= max);
    within.front.forEach((m, i) => assertInside(m.config, `budget front member ${i}`));
    assertInside((await finder.fastest('macs')).config, 'fastest');
    const unrestricted = (await new EvolutionFinder(space, fitness, options).pareto('macs')).front;
    assert.ok(unrestricted.some((m) => configStemStride(space, m.config) === 2), "the whole space's front reaches the stride-2 stem, so the restriction bites");
  });
});
