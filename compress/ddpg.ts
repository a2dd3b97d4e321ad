/**
 * Deep deterministic policy gradient (Lillicrap et al. 2016) as AMC and Galen use it: an actor
 * mapping a layer's state to actions in [0, 1] (sigmoid output), a critic Q(state, action),
 * slowly following target copies of both (soft update with `tau`), Adam for each, a replay
 * memory sampled uniformly, and AMC's reward normalisation (each batch's rewards minus a
 * moving average of batch means). Every random draw comes from the seed, so the same seed and
 * the same transitions give the same weights. Call `dispose()` when done.
 */
import { tf } from '../supernet/backend/tf.js';
import { Rng } from '../space/rng.js';
import { Mlp } from './mlp.js';
import { ReplayBuffer, type Transition } from './replayBuffer.js';

export interface DdpgOptions {
  /** Hidden layer widths of the actor and of the critic. */
  hidden?: readonly number[];
  actorLearningRate?: number;
  criticLearningRate?: number;
  /** Soft target update rate. */
  tau?: number;
  /** Discount of the bootstrapped next-state value (AMC: 1). */
  discount?: number;
  batchSize?: number;
  /** Transitions the replay memory keeps. */
  bufferSize?: number;
  /** Rate of the moving reward baseline (AMC's moving_alpha); 0 keeps the first batch's mean. */
  baselineAlpha?: number;
  /** Half-width of the output layers' uniform initialisation. */
  outputInit?: number;
}

export const kDefaultDdpgOptions: Readonly<Required<DdpgOptions>> = Object.freeze({
  hidden: Object.freeze([300, 300]),
  actorLearningRate: 1e-4,
  criticLearningRate: 1e-3,
  tau: 0.01,
  discount: 1,
  batchSize: 64,
  bufferSize: 2000,
  baselineAlpha: 0.5,
  outputInit: 3e-3,
});

/** Losses of one update. */
export interface DdpgUpdate {
  /** Mean squared error of the critic against its bootstrapped targets. */
  criticLoss: number;
  /** Minus the critic's mean value of the actor's actions. */
  actorLoss: number;
}

/** Throws naming the first bad option; `prefix` is how the caller spells the options object. */
export function checkDdpgOptions(o: Required<DdpgOptions>, prefix = 'options.'): void {
  const positive = (name: string, v: number, integer: boolean): void => {
    if (!(Number.isFinite(v) && v > 0 && (!integer || Number.isInteger(v)))) {
      throw new RangeError(`${prefix}${name} must be a positive ${integer ? 'integer' : 'number'} (got ${v})`);
    }
  };
  if (o.hidden.length === 0) throw new RangeError(`${prefix}hidden must list at least one hidden layer width`);
  o.hidden.forEach((h, i) => positive(`hidden[${i}]`, h, true));
  positive('actorLearningRate', o.actorLearningRate, false);
  positive('criticLearningRate', o.criticLearningRate, false);
  positive('batchSize', o.batchSize, true);
  positive('bufferSize', o.bufferSize, true);
  positive('outputInit', o.outputInit, false);
  if (!(o.tau > 0 && o.tau <= 1)) throw new RangeError(`${prefix}tau must be in (0, 1] (got ${o.tau})`);
  if (!(o.discount >= 0 && o.discount <= 1)) throw new RangeError(`${prefix}discount must be in [0, 1] (got ${o.discount})`);
  if (!(o.baselineAlpha >= 0 && o.baselineAlpha <= 1)) throw new RangeError(`${prefix}baselineAlpha must be in [0, 1] (got ${o.baselineAlpha})`);
}

export class DdpgAgent {
  readonly options: Readonly<Required<DdpgOptions>>;
  private readonly actor: Mlp;
  private readonly critic: Mlp;
  private readonly actorTarget: Mlp;
  private readonly criticTarget: Mlp;
  private readonly actorOptimizer: tf.Optimizer;
  private readonly criticOptimizer: tf.Optimizer;
  private readonly buffer: ReplayBuffer;
  private readonly sampler: Rng;
  private baseline: number | undefined;

  /**
   * @param stateDim features of a state
   * @param actionDim actions per step, each in [0, 1]
   * @param seed seed of the initial weights and of the replay sampling
   */
  constructor(readonly stateDim: number, readonly actionDim: number, seed: number, options: DdpgOptions = {}) {
    const o = { ...kDefaultDdpgOptions, ...options };
    checkDdpgOptions(o);
    this.options = Object.freeze(o);
    const rng = new Rng(seed);
    const actorSizes = [stateDim, ...o.hidden, actionDim];
    const criticSizes = [stateDim + actionDim, ...o.hidden, 1];
    this.actor = new Mlp(actorSizes, rng.fork(), o.outputInit);
    this.critic = new Mlp(criticSizes, rng.fork(), o.outputInit);
    this.actorTarget = new Mlp(actorSizes, rng.fork(), o.outputInit);
    this.criticTarget = new Mlp(criticSizes, rng.fork(), o.outputInit);
    this.actorTarget.softUpdate(this.actor, 1);
    this.criticTarget.softUpdate(this.critic, 1);
    this.actorOptimizer = tf.train.adam(o.actorLearningRate);
    this.criticOptimizer = tf.train.adam(o.criticLearningRate);
    this.buffer = new ReplayBuffer(o.bufferSize, stateDim, actionDim);
    this.sampler = rng.fork();
  }

  /** Transitions in the replay memory. */
  get memorySize(): number {
    return this.buffer.size;
  }

  /** The actor's action for one state, each component in [0, 1]. */
  act(state: ArrayLike<number>): number[] {
    if (state.length !== this.stateDim) throw new RangeError(`DdpgAgent.act needs ${this.stateDim} state features (got ${state.length})`);
    const out = tf.tidy(() => tf.sigmoid(this.actor.apply(tf.tensor2d(Float32Array.from(state), [1, this.stateDim]))).dataSync());
    return Array.from(out);
  }

  /** The critic's value of an action in a state. */
  value(state: ArrayLike<number>, action: ArrayLike<number>): number {
    const row = Float32Array.from([...Array.from(state), ...Array.from(action)]);
    return tf.tidy(() => this.critic.apply(tf.tensor2d(row, [1, row.length])).dataSync()[0]);
  }

  observe(t: Transition): void {
    this.buffer.push(t);
  }

  /** One critic step, one actor step and a soft update of both targets, on a sampled batch. */
  update(): DdpgUpdate {
    const o = this.options;
    const b = this.buffer.sample(o.batchSize, this.sampler);
    let mean = 0;
    for (const r of b.rewards) mean += r / b.size;
    this.baseline = this.baseline === undefined ? mean : this.baseline + o.baselineAlpha * (mean - this.baseline);
    for (let i = 0; i < b.size; i++) b.rewards[i] -= this.baseline;
    const losses = tf.tidy(() => {
      const s = tf.tensor2d(b.states, [b.size, this.stateDim]);
      const a = tf.tensor2d(b.actions, [b.size, this.actionDim]);
      const s2 = tf.tensor2d(b.nextStates, [b.size, this.stateDim]);
      const a2 = tf.sigmoid(this.actorTarget.apply(s2));
      const q2 = this.criticTarget.apply(tf.concat([s2, a2], 1));
      const y = tf.add(tf.tensor2d(b.rewards, [b.size, 1]), tf.mul(tf.tensor2d(b.continues, [b.size, 1]), tf.mul(q2, o.discount)));
      const sa = tf.concat([s, a], 1);
      const criticLoss = this.criticOptimizer.minimize(
        () => tf.mean(tf.square(tf.sub(this.critic.apply(sa), y))) as tf.Scalar, true, this.critic.variables);
      const actorLoss = this.actorOptimizer.minimize(
        () => tf.neg(tf.mean(this.critic.apply(tf.concat([s, tf.sigmoid(this.actor.apply(s))], 1)))) as tf.Scalar, true, this.actor.variables);
      if (!criticLoss || !actorLoss) throw new Error('unreachable: optimizer.minimize returned no cost');
      return [criticLoss.dataSync()[0], actorLoss.dataSync()[0]];
    });
    this.actorTarget.softUpdate(this.actor, o.tau);
    this.criticTarget.softUpdate(this.critic, o.tau);
    return { criticLoss: losses[0], actorLoss: losses[1] };
  }

  /** Frees the networks' and the optimizers' tensors. */
  dispose(): void {
    for (const m of [this.actor, this.critic, this.actorTarget, this.criticTarget]) m.dispose();
    this.actorOptimizer.dispose();
    this.criticOptimizer.dispose();
  }
}
