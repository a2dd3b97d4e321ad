/**
 * The l1/l2 latency surrogate as a tensor (see gateRegularizer.ts for the formula): what the
 * supernet replica adds to a step's loss, differentiable in the gate parameters.
 */
import { tf } from '../backend/tf.js';
import type { ParamStore } from '../layers/ParamStore.js';
import { kGateEps, type GateGroup, type GateRegularizer } from './gateRegularizer.js';

/** The group's gates g[c] = mean over its parameters of |p[c]|, c < channels (a tensor; call inside a tidy or a gradient). */
export function gateTensor(store: ParamStore, group: GateGroup): tf.Tensor1D {
  const parts = group.params.map((name) => {
    const v = store.params.find((p) => p.name === name);
    if (v === undefined) throw new Error(`gate regularizer: parameter '${name}' is not in the supernet: build the groups from this space's parameters`);
    if (v.shape.length !== 1 || v.shape[0] < group.channels) {
      throw new Error(`gate regularizer: parameter '${name}' ${JSON.stringify(v.shape)} cannot gate ${group.channels} channels: a gate is a 1-D parameter with one value per channel`);
    }
    return tf.abs(tf.slice(store.get(name) as tf.Tensor1D, 0, group.channels));
  });
  return tf.div(tf.addN(parts), parts.length) as tf.Tensor1D;
}

/**
 * R = weight * sum_l costMs_l * (||g_l||_1 / ||g_l||_2)^2 over the store's current values,
 * differentiable in them (call inside a tf.tidy or a gradient function, which own the intermediates).
 */
export function gateRegularizerLoss(store: ParamStore, reg: GateRegularizer): tf.Scalar {
  const terms = reg.groups.map((group) => {
    const g = gateTensor(store, group);
    const s = tf.sum(g);
    const q = tf.sum(tf.square(g));
    return tf.mul(tf.div(tf.square(s), tf.add(q, kGateEps)), group.costMs);
  });
  return tf.mul(tf.addN(terms), reg.weight) as tf.Scalar;
}
