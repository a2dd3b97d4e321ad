/**
 * AdamW (Adam with decoupled weight decay, Loshchilov & Hutter) over flat arrays: the
 * optimizer transformers train with (HAT trains its SuperTransformer with Adam). Its slots
 * live in one array, so a replica's state stays `[params, slots]` and checkpoints, resume and
 * weight averaging keep it as they keep SGD's velocity: `[m (n), v (n), steps taken (1)]`.
 */

export interface AdamWHyper {
  beta1: number;
  beta2: number;
  epsilon: number;
  /** Decoupled weight decay per unit of learning rate (applied where the decay mask is set). */
  weightDecay: number;
}

export const kAdamWDefaults: Readonly<Omit<AdamWHyper, 'weightDecay'>> = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** Length of the slot array of `n` parameters. */
export function adamWSlots(n: number): number {
  return 2 * n + 1;
}

/** One AdamW step (in place on `w` and `slots`), bias-corrected by the steps the slots have taken. */
export function adamWStep(w: Float32Array, slots: Float32Array, grads: Float32Array, decayMask: Uint8Array, lr: number, hyper: AdamWHyper): void {
  const n = w.length;
  if (slots.length !== adamWSlots(n)) throw new Error(`AdamW slots must hold ${adamWSlots(n)} values for ${n} parameters (got ${slots.length})`);
  const { beta1, beta2, epsilon, weightDecay } = hyper;
  const t = slots[2 * n] + 1;
  slots[2 * n] = t;
  const c1 = 1 / (1 - beta1 ** t);
  const c2 = 1 / (1 - beta2 ** t);
  const decay = lr * weightDecay;
  for (let i = 0; i < n; i++) {
    const g = grads[i];
    const m = beta1 * slots[i] + (1 - beta1) * g;
    const v = beta2 * slots[n + i] + (1 - beta2) * g * g;
    slots[i] = m;
    slots[n + i] = v;
    w[i] -= lr * (m * c1) / (Math.sqrt(v * c2) + epsilon) + (decayMask[i] ? decay * w[i] : 0);
  }
}
