/**
 * Registry entries for analytic device targets: a shipped device spec plus the roofline
 * model. The profile is read when a model is first created, not when the target registers.
 */
import { loadDeviceSpec } from './deviceSpec.js';
import { RooflineModel } from './roofline.js';
import type { LowerFn, Target, TargetModel, TargetOptions } from './target.js';
import type { TargetName } from './targetNames.js';

export function deviceTarget(name: TargetName, description: string): Target {
  return Object.freeze({
    name,
    kind: 'estimate' as const,
    unit: 'ms',
    description,
    async createModel(lower: LowerFn, options: TargetOptions = {}): Promise<TargetModel> {
      return new RooflineModel(loadDeviceSpec(name), lower, options);
    },
  });
}
