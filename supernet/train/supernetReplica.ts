/**
 * The supernet as a data-parallel replica: one sandwich step (OFA/BigNAS) per task - the
 * largest subnet learns from the labels (with label smoothing), every other subnet of the
 * step from the labels and from the largest subnet's soft predictions (in-place
 * distillation) - and SGD with Nesterov momentum and decoupled-from-BN weight decay. A replica
 * given a frozen teacher (`init.teacher`, of either kind: a CNN or a SuperTransformer, whatever
 * the replica's net) holds it as a separate network with its own weights, which no step changes,
 * for the configs that distil from it (fine-tuning). A replica of a run
 * that trains one config (`init.decayOnly`) decays that config's weights only, as the network
 * extracted would train, when its net can tell which weights a config reads (`readMask`).
 */
import { tf } from '../backend/tf.js';
import type { Tensor2D, Tensor4D } from '../backend/tf.js';
import { initBackend, type BackendName } from '../backend/backend.js';
import { Supernet } from '../Supernet.js';
import type { ParamStore } from '../layers/ParamStore.js';
import type { BnMode } from '../net/batchNormMode.js';
import type { InputSpec, SearchSpace, SubnetConfig } from '../../space/types.js';
import type { GradientResult, Replica } from './replica.js';
import type { GateRegularizer } from './gateRegularizer.js';
import { gateRegularizerLoss } from './gateLoss.js';
import { adamWSlots, adamWStep, kAdamWDefaults } from './adamw.js';
import { buildTeacherNet, type FrozenTeacher, type TeacherNet } from './frozenTeacher.js';

export interface SupernetHyper {
  momentum: number;
  weightDecay: number;
  labelSmoothing: number;
  /** Weight of the distillation loss for the non-largest subnets. */
  kdWeight: number;
  /**
   * 'sgd' (default): SGD with Nesterov momentum `momentum`, L2 weight decay. 'adamw': AdamW
   * (beta1 = `momentum`, beta2 0.999), weight decay decoupled (`weightDecay` per unit of lr).
   */
  optimizer?: 'sgd' | 'adamw';
  /**
   * Probability of random erasing on each training image (data/randomErasing.ts), applied when
   * the step's batch is built; 0 or absent: crop and flip only. The replicas do not use it.
   */
  randomErasing?: number;
}

/** How a replica trains, whatever its net: the optimizer, a frozen teacher, the one config a run trains. */
export interface ReplicaSettings<C> {
  hyper: SupernetHyper;
  /** A separate frozen network, of either kind, that tasks with `teacherNet` distil from (built once per replica). */
  teacher?: FrozenTeacher;
  /** The one config the run trains: weight decay on its weights only (for nets with `readMask`). */
  decayOnly?: C;
}

/** A replica of the CNN supernet of `space`. */
export interface SupernetReplicaInit extends ReplicaSettings<SubnetConfig> {
  space: SearchSpace;
  seed: number;
  backend?: BackendName;
}

export interface SandwichTask<C = SubnetConfig> {
  /** Normalised images `[n, H, W, C]`, flattened. */
  x: Float32Array;
  y: Int32Array;
  n: number;
  /**
   * Subnets trained this step. With `distill` (and no `teacherNet`), the first is the teacher
   * (the largest) and the others learn from its soft predictions too.
   */
  configs: C[];
  distill: boolean;
  /** With `distill`: the teacher only predicts (no loss, no gradient); the others train. */
  frozenTeacher?: boolean;
  /**
   * With `distill`: the soft predictions come from the replica's own frozen teacher network
   * (`init.teacher`), whose `teacherId` this is, and every config of the step trains.
   */
  teacherNet?: string;
  /** Added once per task, to the loss of the first config that trains (the gates are shared weights). */
  gateRegularizer?: GateRegularizer;
}

/** What a replica trains: shared weights in a ParamStore, and the forward pass of a config. */
export interface ReplicaNet<C> {
  readonly space: { input: InputSpec };
  readonly store: ParamStore;
  forward(cfg: C, x: Tensor4D, mode: BnMode): Tensor2D;
  /** 1 for every flat parameter config `cfg` reads, 0 elsewhere; absent when the net cannot tell. */
  readMask?(cfg: C): Uint8Array;
  dispose(): void;
}

export class SupernetReplica<C = SubnetConfig> implements Replica<SandwichTask<C>> {
  readonly net: ReplicaNet<C>;
  readonly paramCount: number;
  /** The frozen teacher network, when the replica was given one. */
  readonly teacher: TeacherNet | undefined;
  private readonly hyper: SupernetHyper;
  private params: Float32Array;
  private velocity: Float32Array;
  private readonly decayMask: Uint8Array;

  /**
   * The CNN supernet of `init.space`, or (another weight-sharing net) `net`, trained with
   * `init.hyper`; the frozen teacher `init.teacher` is built as a net of its own kind.
   */
  constructor(init: SupernetReplicaInit);
  constructor(init: ReplicaSettings<C>, net: ReplicaNet<C>);
  constructor(init: ReplicaSettings<C> & { space?: SearchSpace; seed?: number }, net?: ReplicaNet<C>) {
    this.teacher = init.teacher === undefined ? undefined : buildTeacherNet(init.teacher);
    this.net = net ?? (new Supernet(init.space as SearchSpace, init.seed) as unknown as ReplicaNet<C>);
    this.hyper = init.hyper;
    this.params = this.net.store.flatten();
    this.paramCount = this.params.length;
    this.velocity = new Float32Array(this.slotCount);
    this.decayMask = new Uint8Array(this.paramCount);
    for (const p of this.net.store.params) if (p.decay) this.decayMask.fill(1, p.offset, p.offset + p.size);
    const read = init.decayOnly === undefined ? undefined : this.net.readMask?.(init.decayOnly);
    if (read !== undefined) for (let i = 0; i < read.length; i++) this.decayMask[i] &= read[i];
  }

  computeGradients(task: SandwichTask<C>): GradientResult {
    const { space } = this.net;
    const { height, width, channels, classes } = space.input;
    const grads = new Float32Array(this.paramCount);
    const vars = this.net.store.variables();
    let total = 0;
    let teacher: Tensor2D | undefined;
    let regularised = false;
    // DeiT's hard-label distillation: the frozen teacher's argmax, a second set of labels.
    let hard = false;
    const x = tf.tensor4d(task.x, [task.n, height, width, channels]) as Tensor4D;
    const labels = tf.tidy(() => tf.oneHot(tf.tensor1d(task.y, 'int32'), classes)) as Tensor2D;
    try {
      if (task.distill && task.teacherNet !== undefined) {
        const soft = this.teacherPredictions(x, task.teacherNet);
        hard = this.teacher?.mode === 'hard';
        teacher = hard ? tf.tidy(() => tf.cast(tf.oneHot(tf.argMax(soft, 1), classes), 'float32') as Tensor2D) : soft;
        if (hard) soft.dispose();
      }
      task.configs.forEach((cfg, i) => {
        const isTeacher = task.distill && task.teacherNet === undefined && i === 0;
        if (isTeacher && task.frozenTeacher === true) {
          teacher = tf.tidy(() => tf.softmax(this.net.forward(cfg, x, { kind: 'train' })));
          return;
        }
        let logitsKept: Tensor2D | undefined;
        const regularizer = regularised ? undefined : task.gateRegularizer;
        regularised = true;
        const { value, grads: g } = tf.variableGrads(() => {
          const logits = this.net.forward(cfg, x, { kind: 'train' });
          if (isTeacher) logitsKept = tf.keep(logits.clone());
          let loss = tf.losses.softmaxCrossEntropy(labels, logits, undefined, this.hyper.labelSmoothing);
          if (task.distill && teacher && hard) {
            const kd = tf.losses.softmaxCrossEntropy(teacher, logits, undefined, this.hyper.labelSmoothing);
            loss = tf.mul(tf.add(loss, kd), 0.5);
          } else if (task.distill && teacher) {
            const kd = tf.neg(tf.mean(tf.sum(tf.mul(teacher, tf.logSoftmax(logits)), 1)));
            loss = tf.add(loss, tf.mul(kd, this.hyper.kdWeight));
          }
          if (regularizer !== undefined) loss = tf.add(loss, gateRegularizerLoss(this.net.store, regularizer));
          return loss as tf.Scalar;
        }, vars);
        total += value.dataSync()[0];
        this.net.store.accumulate(g, grads);
        tf.dispose([value, ...Object.values(g)]);
        if (logitsKept) {
          teacher = tf.tidy(() => tf.softmax(logitsKept as Tensor2D));
          logitsKept.dispose();
        }
      });
    } finally {
      tf.dispose(teacher ? [x, labels, teacher] : [x, labels]);
    }
    return { loss: total, count: task.n, grads };
  }

  /**
   * The frozen teacher's soft predictions for `x`, forwarded in its own kind (a CNN's BatchNorm
   * on batch statistics, as the trained configs run; no gradient). `id` is the teacher the task
   * expects.
   */
  teacherPredictions(x: Tensor4D, id: string): Tensor2D {
    const t = this.teacher;
    if (t === undefined || t.id !== id) {
      throw new Error(
        `the step distils from frozen teacher ${id} but this replica holds ${t === undefined ? 'no teacher' : `teacher ${t.id}`}: ` +
          "create the engine from the trainer's replicaInit(resume), which carries the run's teacher",
      );
    }
    return t.predict(x);
  }

  /** Values of the optimizer state (the `velocity` of checkpoints): SGD's velocity, or AdamW's slots. */
  get slotCount(): number {
    return this.hyper.optimizer === 'adamw' ? adamWSlots(this.paramCount) : this.paramCount;
  }

  applyGradients(grads: Float32Array, lr: number): void {
    const { momentum, weightDecay } = this.hyper;
    if (this.hyper.optimizer === 'adamw') {
      adamWStep(this.params, this.velocity, grads, this.decayMask, lr, { ...kAdamWDefaults, beta1: momentum, weightDecay });
      this.net.store.assignFlat(this.params);
      return;
    }
    const w = this.params;
    const v = this.velocity;
    const mask = this.decayMask;
    for (let i = 0; i < w.length; i++) {
      const g = grads[i] + (mask[i] ? weightDecay * w[i] : 0);
      const vi = momentum * v[i] + g;
      v[i] = vi;
      w[i] -= lr * (g + momentum * vi);
    }
    this.net.store.assignFlat(w);
  }

  getState(): Float32Array[] {
    return [this.params.slice(), this.velocity.slice()];
  }

  setState(state: Float32Array[]): void {
    const [params, velocity] = state;
    if (state.length !== 2 || params.length !== this.paramCount || velocity.length !== this.slotCount) {
      throw new Error(`supernet state must be [params, velocity] of ${this.paramCount} and ${this.slotCount} values (${this.hyper.optimizer ?? 'sgd'} optimizer)`);
    }
    this.params = params.slice();
    this.velocity = velocity.slice();
    this.net.store.assignFlat(this.params);
  }

  dispose(): void {
    this.net.dispose();
    this.teacher?.dispose();
  }
}

/** The replica-module entry point (see `replica.ts`). */
export async function createReplica(init: SupernetReplicaInit): Promise<SupernetReplica> {
  await initBackend({ backend: init.backend ?? 'wasm', threads: 1 });
  return new SupernetReplica(init);
}
