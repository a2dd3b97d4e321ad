/**
 * The contract between a model and the data-parallel trainer. A replica module (any ES module
 * URL) exports `createReplica(init)`; `init` and tasks are plain data so they cross worker
 * threads unchanged. Every replica of one trainer is created from the same `init` and must
 * start with identical state; applying the same averaged gradient keeps them identical.
 */

/** One replica's gradient for one task (its shard of the batch). */
export interface GradientResult {
  /** Mean loss over the shard. */
  loss: number;
  /** Samples in the shard: the weight of this gradient in the average. */
  count: number;
  /**
   * Mean gradient over the shard, every trainable parameter flattened in a fixed order. The
   * caller takes ownership (a worker transfers the buffer): return a fresh array each call.
   */
  grads: Float32Array;
}

export interface Replica<Task> {
  /** Length of the flat gradient and of `applyGradients`' argument. */
  readonly paramCount: number;
  computeGradients(task: Task): GradientResult | Promise<GradientResult>;
  /** One optimizer step with the given (averaged) flat gradient; read it, do not keep it. */
  applyGradients(grads: Float32Array, lr: number): void | Promise<void>;
  /** Every array that defines the replica (parameters, buffers, optimizer slots), in order. */
  getState(): Float32Array[] | Promise<Float32Array[]>;
  setState(state: Float32Array[]): void | Promise<void>;
  dispose(): void;
}

/** What a replica module exports. */
export interface ReplicaModule<Init, Task> {
  createReplica(init: Init): Promise<Replica<Task>>;
}
