/**
 * The CompressProblem of a trained network: policies applied physically to its weights
 * (extraction of the kept channels from the policy space's supernet, BatchNorm recalibrated on
 * the calibration images, quantization simulated for bits), scored on val, and timed by the
 * target's latency model of the policy space. Unless turned off, the weights of every layer whose
 * inputs a policy prunes are first re-solved by least squares to reproduce the network's outputs
 * (reconstruct.ts), as AMC scores its policies. Every evaluation is appended to a journal; a
 * problem opened on the same journal answers those policies from it, which is how a killed
 * compression resumes (methods replay deterministically up to where they stopped).
 */
import { existsSync, readFileSync, truncateSync } from 'node:fs';
import { LineAppender } from '../util/atomicWrite.js';
import { macs as countMacs } from '../space/layers.js';
import type { ActBits, WeightBits } from '../space/types.js';
import type { LatencyModel } from '../latency/types.js';
import type { DataSplit, ImageSet } from '../supernet/data/types.js';
import { evaluateSample } from '../predictors/evaluateSample.js';
import type { CompressibleNetwork } from './network.js';
import { reconstructionOptions, WeightReconstruction, type ReconstructionOptions } from './reconstruct.js';
import type { CompressPolicy, CompressProblem, PolicyResult, PrunableLayer } from './types.js';

export interface ProblemData {
  calibration: ImageSet;
  val: DataSplit;
  /** Val images per evaluation (default: all). */
  valImages?: number;
  /** Least-squares reconstruction of the pruned layers' weights, from the calibration images (on by default). */
  reconstruction?: ReconstructionOptions;
}

/** Runs `fn` with `params` loaded into the network's supernet, then restores the network's own. */
export async function withParams<T>(network: CompressibleNetwork, params: Float32Array, fn: () => T | Promise<T>): Promise<T> {
  if (params === network.params) return fn();
  network.net.store.assignFlat(params);
  try {
    return await fn();
  } finally {
    network.net.store.assignFlat(network.params);
  }
}

interface JournalLine {
  key: string;
  accuracy: number;
}

/** A policy's identity: its JSON (keep ratios are exact members of each layer's grid). */
export function policyKey(policy: CompressPolicy): string {
  return JSON.stringify({ keep: policy.keep, wBits: policy.wBits, aBits: policy.aBits });
}

export class TrainedNetworkProblem implements CompressProblem {
  readonly layers: readonly PrunableLayer[];
  readonly blocks: number;
  readonly weightBits: readonly WeightBits[];
  readonly actBits: readonly ActBits[];
  readonly original: PolicyResult;
  private readonly cache = new Map<string, PolicyResult>();
  private readonly journal: LineAppender | undefined;
  private readonly reconstruction: WeightReconstruction | undefined;

  private constructor(
    private readonly network: CompressibleNetwork,
    private readonly latency: LatencyModel,
    private readonly data: ProblemData,
    journal: string | undefined,
    original: PolicyResult,
  ) {
    const { policies } = network;
    this.layers = policies.layers;
    this.blocks = policies.blocks;
    this.weightBits = policies.weightBits;
    this.actBits = policies.actBits;
    this.original = original;
    this.journal = journal === undefined ? undefined : new LineAppender(journal);
    const reconstruction = reconstructionOptions(data.reconstruction);
    this.reconstruction = reconstruction.enabled ? new WeightReconstruction(network, data.calibration, reconstruction) : undefined;
  }

  /**
   * Opens the problem: reads the journal at `journal` if one exists (its policies are answered
   * from it), then evaluates the unpruned network (journaled like any policy).
   */
  static async open(network: CompressibleNetwork, latency: LatencyModel, data: ProblemData, journal?: string): Promise<TrainedNetworkProblem> {
    const known = journal !== undefined && existsSync(journal) ? readJournal(journal) : new Map<string, number>();
    const id = network.policies.identity();
    const placeholder: PolicyResult = { policy: id, accuracy: Number.NaN, latencyMs: Number.NaN, macs: Number.NaN };
    const problem = new TrainedNetworkProblem(network, latency, data, journal, placeholder);
    for (const [key, accuracy] of known) problem.cache.set(key, problem.result(JSON.parse(key) as CompressPolicy, accuracy));
    const original = await problem.evaluate(id);
    (problem as { original: PolicyResult }).original = original;
    return problem;
  }

  get evaluations(): number {
    return this.cache.size;
  }

  identity(): CompressPolicy {
    return this.network.policies.identity();
  }

  snap(policy: CompressPolicy): CompressPolicy {
    if (policy.keep.length !== this.layers.length) throw new RangeError(`a policy has ${this.layers.length} keep ratios (one per prunable layer), got ${policy.keep.length}`);
    if (policy.wBits.length !== this.blocks || policy.aBits.length !== this.blocks) {
      throw new RangeError(`a policy has ${this.blocks} weight and activation bits (one per block), got ${policy.wBits.length} and ${policy.aBits.length}`);
    }
    const nearest = <T extends number>(choices: readonly T[], x: number): T => choices.reduce((a, b) => (Math.abs(b - x) < Math.abs(a - x) ? b : a));
    return {
      keep: policy.keep.map((k, i) => nearest(this.layers[i].keeps, k)),
      wBits: policy.wBits.map((b) => nearest(this.weightBits, b)),
      aBits: policy.aBits.map((b) => nearest(this.actBits, b)),
    };
  }

  latencyMs(policy: CompressPolicy): number {
    return this.latency.predict([this.network.policies.toConfig(policy)])[0];
  }

  macs(policy: CompressPolicy): number {
    return countMacs(this.network.policies.space, this.network.policies.toConfig(policy));
  }

  async evaluate(policy: CompressPolicy): Promise<PolicyResult> {
    const key = policyKey(policy);
    if (policyKey(this.snap(policy)) !== key) throw new RangeError(`policy ${key} is not on the layers' grids: pass it through problem.snap first`);
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    const cfg = this.network.policies.toConfig(policy);
    const sample = await withParams(this.network, this.weightsFor(policy), () => evaluateSample(this.network.net, cfg, this.data.calibration, this.data.val, { limit: this.data.valImages }));
    const result = this.result(policy, sample.accuracy);
    this.cache.set(key, result);
    this.journal?.append(JSON.stringify({ key, accuracy: sample.accuracy } satisfies JournalLine));
    return result;
  }

  /**
   * The parameters of the network's supernet that `policy` is scored on (and fine-tuned from):
   * the network's own, with the pruned layers' weights reconstructed when reconstruction is on.
   */
  weightsFor(policy: CompressPolicy): Float32Array {
    return this.reconstruction?.paramsFor(this.network.policies.toConfig(policy)) ?? this.network.params;
  }

  /** Every policy evaluated (or journaled), in evaluation order. */
  results(): PolicyResult[] {
    return [...this.cache.values()];
  }

  close(): void {
    this.journal?.close();
  }

  private result(policy: CompressPolicy, accuracy: number): PolicyResult {
    return { policy, accuracy, latencyMs: this.latencyMs(policy), macs: this.macs(policy) };
  }
}

/** The journal's answers by policy key; a torn last line (a kill mid-append) is cut off the file. */
function readJournal(path: string): Map<string, number> {
  const out = new Map<string, number>();
  const text = readFileSync(path, 'utf8');
  const whole = text.lastIndexOf('\n') + 1;
  if (whole < text.length) truncateSync(path, Buffer.byteLength(text.slice(0, whole)));
  const lines = text.slice(0, whole).split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const parsed = JSON.parse(line) as JournalLine;
      if (typeof parsed.key !== 'string' || typeof parsed.accuracy !== 'number') throw new Error('not a journal line');
      out.set(parsed.key, parsed.accuracy);
    } catch (err) {
      throw new Error(`${path} line ${i + 1} is not a compression journal line (${(err as Error).message}): it belongs to another file; pass a new --out`);
    }
  });
  return out;
}
