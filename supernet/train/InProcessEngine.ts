/** A gradient engine running one supernet replica on the calling thread. */
import type { GradientEngine } from './SupernetTrainer.js';
import { createReplica, type SandwichTask, type SupernetReplica, type SupernetReplicaInit } from './supernetReplica.js';

export class InProcessEngine implements GradientEngine {
  readonly workers = 1;
  private constructor(private readonly replica: SupernetReplica) {}

  static async create(init: SupernetReplicaInit): Promise<InProcessEngine> {
    return new InProcessEngine(await createReplica(init));
  }

  async step(tasks: SandwichTask[], lr: number): Promise<{ loss: number }> {
    const grads = new Float32Array(this.replica.paramCount);
    let loss = 0;
    let count = 0;
    for (const task of tasks) {
      const r = this.replica.computeGradients(task);
      for (let i = 0; i < grads.length; i++) grads[i] += r.grads[i] * r.count;
      loss += r.loss * r.count;
      count += r.count;
    }
    for (let i = 0; i < grads.length; i++) grads[i] /= count;
    this.replica.applyGradients(grads, lr);
    return { loss: loss / count };
  }

  async getState(): Promise<Float32Array[]> {
    return this.replica.getState();
  }

  async setState(state: Float32Array[]): Promise<void> {
    this.replica.setState(state);
  }

  async close(): Promise<void> {
    this.replica.dispose();
  }
}
