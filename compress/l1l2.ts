/**
 * End-to-end compression with the l1/l2 latency surrogate (arXiv 2306.05785, section 3): one
 * short training run of the network with per-channel gates and a latency regulariser, then a
 * global threshold on the gates, exported as a policy.
 *
 * Gates: the BatchNorm scales after the convolutions writing each prunable layer's channels
 * (l1l2Gates.ts; a stage's gate per channel is the mean |gamma| over its writers). Loss of
 * every training step, for the network's own config:
 *
 *   L = CE(labels, f(x)) + lambda * sum_l c_l * (||g_l||_1 / ||g_l||_2)^2 / sum_l c_l * n_l
 *
 * with (||g_l||_1/||g_l||_2)^2 the scale-invariant differentiable count of layer l's active
 * channels (n_l at uniform gates, 1 with one non-zero gate) and c_l the latency one of its
 * channels costs on the target: (latency(identity) - latency(identity, layer l at its smallest
 * keep)) / (n_l - channels at the smallest keep). So the surrogate is the latency model made
 * linear in each layer's channel count, where the paper's FLOPs surrogate multiplies the
 * counts of a layer's input and output; the denominator makes the term lambda at uniform gates.
 *
 * After training, each layer's channels are sorted by gate (largest first), and tau in [0, 1]
 * keeps per layer the channels with g > tau * max(g), rounded up to the layer's grid. The first
 * policy along that path within the latency budget is found by binary search on the path's
 * breakpoints, and it and the next `candidates` in-budget policies (more pruned) are evaluated.
 *
 * The trained, gate-sorted weights replace the network's (`context.network.params` in place,
 * and its supernet `net`), so the evaluated policies, and the fine-tuning and export that
 * follow in pipeline/compress.ts, run the kept large-gate channels of the trained weights. The
 * problem's `original` stays the network before this training (so the identity policy, should
 * it be within the budget, is answered with the original network's accuracy). Bits stay float.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint, readCheckpointMeta } from '../supernet/train/checkpoint.js';
import type { TrainMeta } from '../supernet/train/trainTypes.js';
import type { PhaseSpec } from '../supernet/train/schedule.js';
import { SupernetTrainer } from '../supernet/train/SupernetTrainer.js';
import { createEngine } from '../supernet/train/engines.js';
import { BudgetedEvaluator } from './budgetedEvaluator.js';
import { checkMethodOptions } from './methodOptions.js';
import { gateValues, layerGates, sortChannelsByGates } from './l1l2Gates.js';
import { buildRegularizer, firstWithinBudget, layerCosts, thresholdPath } from './l1l2Path.js';
import type { MethodContext } from './methods.js';
import type { CompressMethod, CompressMethodOptions, CompressOutcome, CompressProblem } from './types.js';

export interface L1L2Options {
  /** Epochs of the gate-regularised training run. */
  epochs?: number;
  /** Weight of the latency surrogate relative to the task loss (the term equals lambda at uniform gates). */
  lambda?: number;
  /** Peak learning rate (cosine to 0, no warm-up). */
  lr?: number;
  /** Training batch (default: the network's own training batch). */
  batchSize?: number;
  /** In-budget policies along the threshold path evaluated (at most `options.evaluations`). */
  candidates?: number;
  /** Called after each training step. */
  onTrainStep?: (step: number, totalSteps: number, loss: number) => void;
}

/**
 * Defaults. lambda: on the ResNet-8 baseline (fashion-hybrid, its 16-epoch checkpoint), 100
 * steps at lr 0.02 lowered the surrogate by 4% at lambda 2 and by 27% at lambda 10 (val
 * 93.9% -> 89.1% unpruned, mid-run); 5 sits between.
 */
export const kDefaultL1L2Options: Readonly<Required<Omit<L1L2Options, 'batchSize' | 'onTrainStep'>>> = Object.freeze({ epochs: 2, lambda: 5, lr: 0.02, candidates: 10 });

export const kL1L2Checkpoint = 'l1l2.ckpt';

export class L1L2Method implements CompressMethod {
  readonly name = 'l1l2' as const;
  private readonly options: L1L2Options & typeof kDefaultL1L2Options;

  constructor(private readonly context: MethodContext, options: L1L2Options = {}) {
    this.options = { ...kDefaultL1L2Options, ...options };
    const o = this.options;
    for (const key of ['epochs', 'candidates'] as const) {
      if (!Number.isInteger(o[key]) || o[key] <= 0) throw new RangeError(`options.${key} must be a positive integer (got ${o[key]})`);
    }
    if (!(Number.isFinite(o.lambda) && o.lambda >= 0)) throw new RangeError(`options.lambda must be a finite number >= 0 (got ${o.lambda})`);
    if (!(o.lr > 0 && Number.isFinite(o.lr))) throw new RangeError(`options.lr must be a positive number (got ${o.lr})`);
  }

  async run(problem: CompressProblem, options: CompressMethodOptions): Promise<CompressOutcome> {
    checkMethodOptions(options);
    const { network } = this.context;
    const names = network.policies.layers.map((l) => l.name).join(',');
    if (problem.layers.map((l) => l.name).join(',') !== names) {
      throw new Error(`l1l2: the problem's layers (${problem.layers.map((l) => l.name).join(', ')}) are not those of the network it was built with (${names}): build the method and the problem from one network`);
    }
    const layout = network.net.store.params;
    const gates = layerGates(network.policies, layout);
    const regularizer = buildRegularizer(gates, layerCosts(problem), this.options.lambda);
    const trained = await this.train({
      name: 'l1l2', epochs: this.options.epochs, lr: this.options.lr, warmupEpochs: 0, sandwich: false, randomSubnets: 0,
      config: network.policies.toConfig(network.policies.identity()), gateRegularizer: regularizer,
    }, options.seed);
    sortChannelsByGates(network.policies, layout, [trained], gates);
    network.params.set(trained);
    network.net.store.assignFlat(network.params);

    const values = gates.map((gate) => (gate === undefined ? undefined : gateValues(network.params, layout, gate)));
    const path = thresholdPath(problem, values);
    const evaluator = new BudgetedEvaluator(problem, options);
    const limit = Math.min(this.options.candidates, options.evaluations);
    for (let i = firstWithinBudget(problem, path, options.maxLatencyMs); i < path.length && evaluator.used < limit; i++) {
      const policy = problem.snap(path[i].policy);
      if (problem.latencyMs(policy) <= options.maxLatencyMs) await evaluator.evaluate(policy);
    }
    return evaluator.outcome(this.name);
  }

  /**
   * The gate-regularised run in `<out>/l1l2.ckpt`: started from the network's weights, resumed
   * when paused there, skipped when finished. Returns its final parameters.
   */
  private async train(phase: PhaseSpec, seed: number): Promise<Float32Array> {
    const { network, data, workers, backend, out } = this.context;
    const path = join(out, kL1L2Checkpoint);
    const trainer = new SupernetTrainer(network.policies.space, data, path, {
      batchSize: this.options.batchSize ?? network.meta.options.batchSize, seed, evalImages: 0, hyper: network.meta.options.hyper, phases: [phase],
    });
    const exists = existsSync(path);
    if (exists) {
      const kept = readCheckpointMeta<TrainMeta>(path).options;
      const wanted = trainer.options;
      for (const key of ['phases', 'batchSize', 'seed', 'hyper'] as const) {
        if (JSON.stringify(kept[key]) !== JSON.stringify(wanted[key])) {
          throw new Error(`${path} was trained with other ${key} (${JSON.stringify(kept[key]).slice(0, 200)}): resume with the same settings, or delete it to train again`);
        }
      }
    }
    const finished = exists && ((m: TrainMeta) => m.step === m.totalSteps)(readCheckpointMeta<TrainMeta>(path));
    if (!finished) {
      const engine = await createEngine(trainer.replicaInit(), workers, backend);
      const onTrainStep = this.options.onTrainStep;
      try {
        await trainer.run(engine, exists, { onStep: (p) => onTrainStep?.(p.step, p.totalSteps, p.loss) }, exists ? undefined : { params: network.params, from: network.checkpoint });
      } finally {
        await engine.close();
      }
    }
    const { meta, arrays } = loadCheckpoint<TrainMeta>(path);
    if (meta.step !== meta.totalSteps) throw new Error(`${path} stopped at step ${meta.step}/${meta.totalSteps}: run the compression again to resume its training`);
    return arrays.params.slice();
  }
}
