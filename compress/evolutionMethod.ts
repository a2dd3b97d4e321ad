/**
 * A genetic search over per-layer compression policies, the baseline every learned method must
 * beat at equal evaluations.
 *
 * Genome: the keep index of each prunable layer, then the weight-bits index and the
 * activation-bits index of each block (each only when the problem offers a choice besides 32
 * bits). Every genome is repaired into the latency budget before it is evaluated: one layer's
 * keep goes down a step, again and again, the layer drawn with probability proportional to the
 * latency that step saves (so the largest-latency layers go first, but not always the same
 * ones: a deterministic greedy repair would funnel every genome into one pattern). A change of
 * one block's bits competes in the same draw, weighted by the time it saves: where int8 runs
 * much faster than float (VNNI CPUs: 2x for a ResNet in onnxruntime), quantizing is the cheapest
 * way into a budget and must not wait until every layer is at its narrowest. The initial
 * population is the repaired identity, the identity at its fastest bits (repaired: on such a
 * CPU often the best policy, or a block removal away from it), then random genomes; each
 * generation makes `populationSize` children by tournament selection, uniform crossover and
 * per-gene mutation, and keeps the most accurate `populationSize` of parents and children
 * (fitness = `problem.evaluate` accuracy).
 *
 * The search stops after `options.evaluations` distinct policies, or after
 * `maxStaleGenerations` generations in a row that evaluated nothing new (children that repeat
 * known policies cost nothing, so a converged population would otherwise loop forever).
 */
import { Rng } from '../space/rng.js';
import { checkMethodOptions, mostAccurate } from './methodOptions.js';
import type { CompressMethod, CompressMethodOptions, CompressOutcome, CompressPolicy, CompressProblem, PolicyResult } from './types.js';

export interface EvolutionMethodOptions {
  populationSize?: number;
  /** Individuals drawn per tournament; the most accurate of them is a parent. */
  tournamentSize?: number;
  /** Probability that mutation redraws each gene. */
  mutationProbability?: number;
  /** Generations in a row without a new policy after which the search stops. */
  maxStaleGenerations?: number;
}

export const kDefaultEvolutionMethodOptions: Readonly<Required<EvolutionMethodOptions>> = Object.freeze({
  populationSize: 16,
  tournamentSize: 3,
  mutationProbability: 0.1,
  maxStaleGenerations: 20,
});

export interface EvolutionOutcome extends CompressOutcome {
  generations: number;
  /** Why the search ended: its evaluations were spent, or its population stopped producing new policies. */
  stop: 'evaluations' | 'stale';
}

function resolve(options: EvolutionMethodOptions): Required<EvolutionMethodOptions> {
  const o = { ...kDefaultEvolutionMethodOptions, ...options };
  for (const key of ['populationSize', 'tournamentSize', 'maxStaleGenerations'] as const) {
    if (!Number.isInteger(o[key]) || o[key] <= 0) throw new RangeError(`options.${key} must be a positive integer (got ${o[key]})`);
  }
  if (o.populationSize < 2) throw new RangeError(`options.populationSize must be at least 2 for crossover (got ${o.populationSize})`);
  if (!(o.mutationProbability >= 0 && o.mutationProbability <= 1)) {
    throw new RangeError(`options.mutationProbability must be in [0, 1] (got ${o.mutationProbability})`);
  }
  return o;
}

type Genome = number[];

/** Genome <-> policy for one problem, and the repair into a latency budget. */
class PolicyGenome {
  /** Choices per gene: keeps of each layer, then w and a bits per block when offered. */
  readonly sizes: number[];
  private readonly keepGenes: number;
  private fastestFound: { genome: Genome; latencyMs: number } | undefined;

  constructor(private readonly problem: CompressProblem) {
    const { layers, blocks, weightBits, actBits } = problem;
    const bits = (choices: readonly number[]): number[] => (choices.length > 1 ? new Array<number>(blocks).fill(choices.length) : []);
    this.sizes = [...layers.map((l) => l.keeps.length), ...bits(weightBits), ...bits(actBits)];
    this.keepGenes = layers.length;
  }

  identity(): Genome {
    return this.sizes.map((n) => n - 1);
  }

  random(rng: Rng): Genome {
    return this.sizes.map((n) => rng.int(n));
  }

  policy(g: Genome): CompressPolicy {
    const { layers, blocks, weightBits, actBits } = this.problem;
    const id = this.problem.identity();
    let at = layers.length;
    const wBits = weightBits.length > 1 ? g.slice(at, (at += blocks)).map((i) => weightBits[i]) : id.wBits;
    const aBits = actBits.length > 1 ? g.slice(at, (at += blocks)).map((i) => actBits[i]) : id.aBits;
    return this.problem.snap({ keep: layers.map((l, i) => l.keeps[g[i]]), wBits, aBits });
  }

  /** The identity's keeps at the fastest bits `fastestBitsOf` finds. */
  identityAtFastestBits(): Genome {
    return this.fastestBitsOf(this.identity()).genome;
  }

  /**
   * The fastest policy the repair can reach: every keep at its smallest, then bit genes moved
   * greedily to whichever choice saves the most time. Lower bits are not always faster (int8
   * runs slower than float on some CPUs and runtimes), so this is measured, not assumed.
   */
  fastest(): { genome: Genome; latencyMs: number } {
    this.fastestFound ??= this.fastestBitsOf(this.identity().map((v, i) => (i < this.keepGenes ? 0 : v)));
    return { genome: [...this.fastestFound.genome], latencyMs: this.fastestFound.latencyMs };
  }

  /** Throws when even the fastest policy is over `maxLatencyMs`. */
  checkBudget(maxLatencyMs: number): void {
    const { latencyMs } = this.fastest();
    if (latencyMs > maxLatencyMs) {
      throw new RangeError(
        `EvolutionMethod: even the fastest policy (every keep at its smallest, bits at their fastest) takes ${latencyMs.toFixed(4)} ms, over ` +
          `options.maxLatencyMs = ${maxLatencyMs} ms: raise options.maxLatencyMs to at least ${latencyMs.toFixed(4)}`,
      );
    }
  }

  /**
   * Changes genes in place until the policy is within `maxLatencyMs` (which `checkBudget` has
   * accepted), each step one change drawn with probability proportional to the time it saves:
   * a keep one step down, or one block's bits to another choice. Every step saves time, so the
   * walk ends; where no single change does, it takes the fastest policy.
   */
  repair(g: Genome, maxLatencyMs: number, rng: Rng): Genome {
    // Every step saves time, so the walk ends; the bound only guards against a latency model that is not a function of the policy.
    const bound = g.length * Math.max(...this.sizes) * 4;
    for (let step = 0, now = this.latencyOf(g); now > maxLatencyMs; step++) {
      if (step >= bound) throw new Error(`EvolutionMethod: repair found no change that lowers the latency below ${maxLatencyMs} ms: call checkBudget first`);
      const moves: { gene: number; value: number }[] = [];
      const savings: number[] = [];
      const consider = (gene: number, value: number): void => {
        const was = g[gene];
        g[gene] = value;
        const saving = now - this.latencyOf(g);
        g[gene] = was;
        if (saving > 0) {
          moves.push({ gene, value });
          savings.push(saving);
        }
      };
      for (let i = 0; i < this.keepGenes; i++) if (g[i] > 0) consider(i, g[i] - 1);
      for (let i = this.keepGenes; i < g.length; i++) for (let v = 0; v < this.sizes[i]; v++) if (v !== g[i]) consider(i, v);
      if (moves.length > 0) {
        const move = moves[roulette(savings, rng)];
        g[move.gene] = move.value;
      } else {
        // A latency model need not fall with every single step (a profile's parts are measured,
        // not monotone): stuck in such a dip, take the fastest policy, which checkBudget accepted.
        g.splice(0, g.length, ...this.fastest().genome);
        if (this.latencyOf(g) > maxLatencyMs) throw new Error(`EvolutionMethod: no keep or bit change lowers the latency below ${maxLatencyMs} ms: call checkBudget first`);
      }
      now = this.latencyOf(g);
    }
    return g;
  }

  /**
   * `start`'s keeps at the fastest bits found: every block at the same weight and activation
   * bits (the fastest such choice: quantizing one block alone can cost more than it saves, at its
   * quantize/dequantize boundaries, where all of them together save much), then single genes
   * moved greedily to whichever choice saves the most time.
   */
  private fastestBitsOf(start: Genome): { genome: Genome; latencyMs: number } {
    const { weightBits, actBits } = this.problem;
    const wGenes = weightBits.length > 1 ? this.problem.blocks : 0;
    let g = [...start];
    let now = this.latencyOf(g);
    for (let w = 0; w < weightBits.length; w++) {
      for (let a = 0; a < actBits.length; a++) {
        const uniform = start.map((v, i) => (i < this.keepGenes ? v : i < this.keepGenes + wGenes ? w : a));
        const latencyMs = this.latencyOf(uniform);
        if (latencyMs < now) [g, now] = [uniform, latencyMs];
      }
    }
    for (let step = 0; step < g.length; step++) {
      const move = this.bestBitMove(g, now);
      if (move === undefined) break;
      g[move.gene] = move.value;
      now = move.latencyMs;
    }
    return { genome: g, latencyMs: now };
  }

  private latencyOf(g: Genome): number {
    return this.problem.latencyMs(this.policy(g));
  }

  /** The bit gene change that saves the most time from `now`, if any saves time. */
  private bestBitMove(g: Genome, now: number): { gene: number; value: number; latencyMs: number } | undefined {
    let best: { gene: number; value: number; latencyMs: number } | undefined;
    for (let i = this.keepGenes; i < g.length; i++) {
      const was = g[i];
      for (let v = 0; v < this.sizes[i]; v++) {
        if (v === was) continue;
        g[i] = v;
        const latencyMs = this.latencyOf(g);
        if (latencyMs < (best?.latencyMs ?? now)) best = { gene: i, value: v, latencyMs };
      }
      g[i] = was;
    }
    return best;
  }
}

interface Individual {
  genome: Genome;
  result: PolicyResult;
  order: number;
}

/** Most accurate first; ties: faster, then older. */
const byFitness = (a: Individual, b: Individual): number =>
  b.result.accuracy - a.result.accuracy || a.result.latencyMs - b.result.latencyMs || a.order - b.order;

export class EvolutionMethod implements CompressMethod {
  readonly name = 'evolution' as const;
  private readonly o: Required<EvolutionMethodOptions>;

  constructor(options: EvolutionMethodOptions = {}) {
    this.o = resolve(options);
  }

  async run(problem: CompressProblem, options: CompressMethodOptions): Promise<EvolutionOutcome> {
    checkMethodOptions(options);
    const { populationSize, tournamentSize, mutationProbability, maxStaleGenerations } = this.o;
    const space = new PolicyGenome(problem);
    space.checkBudget(options.maxLatencyMs);
    const rng = new Rng(options.seed);
    const seen = new Map<string, Individual>();
    const history: PolicyResult[] = [];
    const budget = options.evaluations;
    /** The individual of `genome` (repaired in place); undefined when it is new and the budget is spent. */
    const evaluate = async (genome: Genome): Promise<Individual | undefined> => {
      const policy = space.policy(space.repair(genome, options.maxLatencyMs, rng));
      const key = JSON.stringify(policy);
      const known = seen.get(key);
      if (known || history.length >= budget) return known;
      const ind: Individual = { genome, result: await problem.evaluate(policy), order: history.length };
      seen.set(key, ind);
      history.push(ind.result);
      options.onProgress?.(history.length, budget, mostAccurate(history, options.maxLatencyMs));
      return ind;
    };

    let population: Individual[] = [];
    for (const anchor of [space.identity(), space.identityAtFastestBits()]) {
      const ind = await evaluate(anchor);
      if (ind && !population.includes(ind)) population.push(ind);
    }
    for (let draw = 0; population.length < populationSize && history.length < budget && draw < 20 * populationSize; draw++) {
      const ind = await evaluate(space.random(rng));
      if (ind && !population.includes(ind)) population.push(ind);
    }
    let generations = 0;
    for (let stale = 0; history.length < budget && stale < maxStaleGenerations; generations++) {
      const before = history.length;
      const children: Individual[] = [];
      for (let c = 0; c < populationSize && history.length < budget; c++) {
        const [a, b] = [tournament(population, tournamentSize, rng), tournament(population, tournamentSize, rng)];
        const genome = a.genome.map((v, i) => (rng.next() < 0.5 ? v : b.genome[i]));
        for (let i = 0; i < genome.length; i++) if (rng.next() < mutationProbability) genome[i] = rng.int(space.sizes[i]);
        const child = await evaluate(genome);
        if (child) children.push(child);
      }
      population = [...new Set([...population, ...children])].sort(byFitness).slice(0, populationSize);
      stale = history.length > before ? 0 : stale + 1;
    }
    return {
      method: 'evolution',
      best: mostAccurate(history, options.maxLatencyMs),
      history,
      generations,
      stop: history.length >= budget ? 'evaluations' : 'stale',
    };
  }
}

/** An index drawn with probability proportional to `weights` (uniformly when they are all 0). */
function roulette(weights: number[], rng: Rng): number {
  const total = weights.reduce((s, w) => s + w, 0);
  if (!(total > 0)) return rng.int(weights.length);
  let r = rng.next() * total;
  for (let i = 0; i < weights.length; i++) if ((r -= weights[i]) < 0) return i;
  return weights.length - 1;
}

function tournament(population: Individual[], size: number, rng: Rng): Individual {
  let best = population[rng.int(population.length)];
  for (let k = 1; k < size; k++) {
    const other = population[rng.int(population.length)];
    if (byFitness(other, best) < 0) best = other;
  }
  return best;
}
