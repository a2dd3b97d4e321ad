/**
 * The DDPG replay memory: a ring of (state, action, reward, next state, terminal) transitions
 * in flat Float32Arrays, sampled uniformly with replacement from a seeded `Rng` (AMC samples
 * with replacement while the memory is smaller than a batch).
 */
import type { Rng } from '../space/rng.js';

export interface Transition {
  state: ArrayLike<number>;
  action: ArrayLike<number>;
  reward: number;
  nextState: ArrayLike<number>;
  /** The last step of an episode: its value is the reward alone (no bootstrap). */
  terminal: boolean;
}

/** A sampled batch, row-major. */
export interface TransitionBatch {
  size: number;
  states: Float32Array;
  actions: Float32Array;
  rewards: Float32Array;
  nextStates: Float32Array;
  /** 1 where the transition continues (bootstrap), 0 where it ends the episode. */
  continues: Float32Array;
}

export class ReplayBuffer {
  private readonly states: Float32Array;
  private readonly actions: Float32Array;
  private readonly rewards: Float32Array;
  private readonly nextStates: Float32Array;
  private readonly continues: Float32Array;
  private next = 0;
  private count = 0;

  constructor(readonly capacity: number, readonly stateDim: number, readonly actionDim: number) {
    for (const [name, v] of [['capacity', capacity], ['stateDim', stateDim], ['actionDim', actionDim]] as const) {
      if (!Number.isInteger(v) || v <= 0) throw new RangeError(`ReplayBuffer ${name} must be a positive integer (got ${v})`);
    }
    this.states = new Float32Array(capacity * stateDim);
    this.actions = new Float32Array(capacity * actionDim);
    this.rewards = new Float32Array(capacity);
    this.nextStates = new Float32Array(capacity * stateDim);
    this.continues = new Float32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Stores a transition, overwriting the oldest when full. */
  push(t: Transition): void {
    if (t.state.length !== this.stateDim || t.nextState.length !== this.stateDim || t.action.length !== this.actionDim) {
      throw new RangeError(`transition has state ${t.state.length}/${t.nextState.length} and action ${t.action.length} values; the buffer holds ${this.stateDim} and ${this.actionDim}`);
    }
    const i = this.next;
    this.states.set(t.state, i * this.stateDim);
    this.nextStates.set(t.nextState, i * this.stateDim);
    this.actions.set(t.action, i * this.actionDim);
    this.rewards[i] = t.reward;
    this.continues[i] = t.terminal ? 0 : 1;
    this.next = (i + 1) % this.capacity;
    this.count = Math.min(this.count + 1, this.capacity);
  }

  /** `size` transitions drawn uniformly with replacement. */
  sample(size: number, rng: Rng): TransitionBatch {
    if (this.count === 0) throw new Error('ReplayBuffer.sample called on an empty buffer: push transitions first');
    const b: TransitionBatch = {
      size,
      states: new Float32Array(size * this.stateDim),
      actions: new Float32Array(size * this.actionDim),
      rewards: new Float32Array(size),
      nextStates: new Float32Array(size * this.stateDim),
      continues: new Float32Array(size),
    };
    const s = this.stateDim;
    const a = this.actionDim;
    for (let r = 0; r < size; r++) {
      const i = rng.int(this.count);
      b.states.set(this.states.subarray(i * s, (i + 1) * s), r * s);
      b.nextStates.set(this.nextStates.subarray(i * s, (i + 1) * s), r * s);
      b.actions.set(this.actions.subarray(i * a, (i + 1) * a), r * a);
      b.rewards[r] = this.rewards[i];
      b.continues[r] = this.continues[i];
    }
    return b;
  }
}
