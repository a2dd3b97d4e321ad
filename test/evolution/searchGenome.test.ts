import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { InfeasibleBudgetError } from '../../evolution/errors.js';
import { EvolutionFinder } from '../../evolution/EvolutionFinder.js';
import { geneLayout } from '../../space/genome.js';
import { bitsGenome, fullGenome, kFloatShare } from '../../evolution/searchGenome.js';
import { deployedConfig } from '../../space/bits.js';
import { Rng } from '../../space/rng.js';
import { blockSlots, canonicalConfig, isActiveSlot, largestOfFamily, sampleConfig, smallestConfig } from '../../space/searchSpace.js';
import { fashionHybrid } from '../../space/defaultSpace.js';
import { parseConfig } from '../../space/schema.js';
import type { ActBits, SubnetConfig, WeightBits } from '../../space/types.js';
import { microSpace } from '../fixtures/data.js';
import { LocalFitness } from '../fixtures/localFitness.js';

const space = microSpace();
/** Two blocks in stage 0, one in stage 1 (slot 3 skipped); its bits are ignored. */
const architecture: SubnetConfig = { depths: [2, 1], kernels: [5, 3, 5, 3], expands: [3, 2, 2, 2], widths: [1, 0.5], wBits: [4, 4, 4, 4], aBits: [8, 8, 8, 8] };
const activeSlots = blockSlots(space).filter((s) => isActiveSlot(space, architecture, s.slot)).map((s) => s.slot);

const sameArchitecture = (cfg: SubnetConfig): boolean =>
  ['depths', 'widths', 'kernels', 'expands'].every((f) => JSON.stringify(cfg[f as 'depths']) === JSON.stringify(canonicalConfig(space, architecture)[f as 'depths']));

/** `architecture` at every assignment of bits to its running blocks. */
function allBitAssignments(): SubnetConfig[] {
  const pairs = space.quant.weightBits.flatMap((w) => space.quant.actBits.map((a) => [w, a] as const));
  const out: SubnetConfig[] = [];
  const total = pairs.length ** activeSlots.length;
  for (let code = 0; code < total; code++) {
    const wBits = new Array<WeightBits>(4).fill(space.quant.weightBits[0]);
    const aBits = new Array<ActBits>(4).fill(space.quant.actBits[0]);
    let rest = code;
    for (const slot of activeSlots) {
      [wBits[slot], aBits[slot]] = pairs[rest % pairs.length];
      rest = Math.floor(rest / pairs.length);
    }
    out.push(canonicalConfig(space, { ...architecture, wBits, aBits }));
  }
  return out;
}

describe('bitsGenome', () => {
  it('holds only the bit genes of the running blocks', () => {
    const { layout } = bitsGenome(space, architecture);
    assert.equal(layout.quant, 'mixed');
    assert.equal(layout.stageGenes.length, 0);
    assert.equal(layout.length, 2 * activeSlots.length);
    assert.deepEqual(layout.genes.map((g) => `${g.field}[${g.slot}]`), activeSlots.flatMap((s) => [`wBits[${s}]`, `aBits[${s}]`]));
  });

  it('samples valid, canonical configs of the fixed architecture, varying the bits', () => {
    const genome = bitsGenome(space, architecture);
    const rng = new Rng(4);
    const samples = Array.from({ length: 50 }, () => genome.sample(rng));
    for (const cfg of samples) {
      assert.deepEqual(parseConfig(space, cfg), cfg);
      assert.deepEqual(canonicalConfig(space, cfg), cfg);
      assert.ok(sameArchitecture(cfg));
    }
    assert.ok(new Set(samples.map((c) => JSON.stringify([c.wBits, c.aBits]))).size > 30, 'the bits vary');
    assert.equal(genome.fastSeeds().length, space.quant.weightBits.length * space.quant.actBits.length);
    assert.ok(genome.fastSeeds().every(sameArchitecture));
  });

  it('fullGenome is the whole space, seeded from the smallest subnet', () => {
    const genome = fullGenome(space, 'mixed');
    assert.deepEqual(genome.layout, geneLayout(space, 'mixed'));
    assert.deepEqual(fullGenome(space, 'fp32').fastSeeds(), [smallestConfig(space)]);
    assert.ok(genome.fastSeeds().every((c) => JSON.stringify(c.depths) === JSON.stringify(smallestConfig(space).depths)));
  });

  it('draws the float model for about kFloatShare of a mixed genome\'s members, and nothing else changes for fp32', () => {
    const genome = fullGenome(space, 'mixed');
    const rng = new Rng(9);
    const samples = Array.from({ length: 400 }, () => genome.sample(rng));
    for (const cfg of samples) {
      assert.deepEqual(parseConfig(space, cfg), cfg);
      assert.deepEqual(canonicalConfig(space, cfg), cfg);
    }
    const float = samples.filter((cfg) => deployedConfig(space, cfg).wBits === undefined).length;
    assert.ok(Math.abs(float / samples.length - kFloatShare) < 0.07, `${float} of ${samples.length} float members`);
    assert.ok(new Set(samples.map((c) => JSON.stringify(c))).size > 300, 'both halves vary their architecture');
    // An fp32 genome draws exactly the sampler's stream (no extra draw for the float share).
    const [a, b] = [new Rng(3), new Rng(3)];
    assert.deepEqual(Array.from({ length: 20 }, () => fullGenome(space, 'fp32').sample(a)), Array.from({ length: 20 }, () => sampleConfig(space, b)));
  });
});

describe('EvolutionFinder over a bits-only genome', () => {
  let fitness: LocalFitness;
  let configs: SubnetConfig[];
  let accuracy: Float64Array;
  let latency: Float64Array;

  before(async () => {
    fitness = await LocalFitness.create(space, ['rpi4']);
    configs = allBitAssignments();
    ({ accuracy, latency } = await fitness.score(configs));
  });

  it('finds the most accurate bit assignment within the budget and never changes the architecture', async () => {
    const sorted = Float64Array.from(latency).sort();
    const max = sorted[Math.floor(sorted.length * 0.3)];
    let best = -Infinity;
    configs.forEach((_, i) => {
      if (latency[i] <= max && accuracy[i] > best) best = accuracy[i];
    });
    const finder = new EvolutionFinder(space, fitness, { seed: 1, generations: 30, populationSize: 30, parentsSize: 8, mutationSize: 15, crossoverSize: 15 }, bitsGenome(space, architecture));
    const result = await finder.search({ target: 'rpi4', max });
    assert.ok(result.best.latency <= max);
    assert.equal(result.best.accuracy, best);
    assert.ok(result.front.length > 0);
    assert.ok([result.best, ...result.front].every((p) => sameArchitecture(p.config) && p.latency <= max));
    assert.ok(result.scored <= configs.length);
  });

  it('rejects a budget below every bit assignment of the architecture, naming the fastest', async () => {
    const fastest = Math.min(...latency);
    const finder = new EvolutionFinder(space, fitness, { seed: 2, generations: 3, populationSize: 10, parentsSize: 3, resampleLimit: 2 }, bitsGenome(space, architecture));
    await assert.rejects(finder.search({ target: 'rpi4', max: fastest * 0.9 }), (err: unknown) => {
      assert.ok(err instanceof InfeasibleBudgetError);
      assert.equal(err.fastest, fastest);
      assert.ok(sameArchitecture(err.fastestConfig));
      return true;
    });
  });

  it('checks that the genome fits the finder', () => {
    assert.throws(() => new EvolutionFinder(space, fitness, { quant: 'fp32' }, bitsGenome(space, architecture)), /options.quant is 'fp32' but the genome is 'mixed': give the genome's quant mode/);
    assert.throws(() => new EvolutionFinder(microSpace(), fitness, {}, bitsGenome(space, architecture)), /the genome is of space 'micro', not of the finder's space 'micro'/);
  });
});

describe('fullGenome on fashion-hybrid', () => {
  const hybrid = fashionHybrid;

  it('starts a min-latency search from the smallest subnet of every family', () => {
    const fp32 = fullGenome(hybrid, 'fp32').fastSeeds();
    assert.deepEqual(fp32.map((c) => c.families), [['mbconv', 'mbconv', 'mbconv'], ['fused', 'fused', 'fused'], ['resnet', 'resnet', 'resnet']]);
    assert.deepEqual(fp32[0], smallestConfig(hybrid));
    const mixed = fullGenome(hybrid, 'mixed').fastSeeds();
    assert.equal(mixed.length, 3 * hybrid.quant.weightBits.length * hybrid.quant.actBits.length);
    for (const cfg of [...fp32, ...mixed]) {
      assert.deepEqual(parseConfig(hybrid, cfg), cfg);
      assert.deepEqual(canonicalConfig(hybrid, cfg), cfg);
      assert.equal(cfg.stemStride, 2);
    }
  });

  it('draws float members that keep their families and stem stride when deployed', () => {
    const genome = fullGenome(hybrid, 'mixed');
    const rng = new Rng(12);
    const samples = Array.from({ length: 200 }, () => genome.sample(rng));
    const float = samples.map((cfg) => deployedConfig(hybrid, cfg)).filter((cfg) => cfg.wBits === undefined);
    assert.ok(float.length > 60 && float.length < 140, `${float.length} float members`);
    for (const cfg of float) {
      assert.equal(cfg.families?.length, hybrid.stages.length);
      assert.ok(cfg.stemStride === 1 || cfg.stemStride === 2);
      assert.deepEqual(parseConfig(hybrid, cfg), cfg);
    }
  });

  it('a bits-only genome keeps a hybrid architecture whole', () => {
    const arch = largestOfFamily(hybrid, 'fused');
    const genome = bitsGenome(hybrid, arch);
    const rng = new Rng(13);
    for (let i = 0; i < 20; i++) {
      const { wBits: _w, aBits: _a, ...rest } = genome.sample(rng);
      assert.deepEqual(rest, canonicalConfig(hybrid, arch));
    }
  });
});
