import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deployedConfig, hasFloatBits, withUniformBits } from '../../../space/bits.js';
import { subnetPlan } from '../../../space/plan.js';
import { canonicalConfig, largestConfig } from '../../../space/searchSpace.js';
import { parseSearchSpace } from '../../../space/schema.js';
import { kFloatBits, type SubnetConfig } from '../../../space/types.js';
import { microSpace } from '../../fixtures/data.js';

const space = microSpace();
/** Two blocks in stage 0, one in stage 1: slot 3 is skipped. */
const architecture: SubnetConfig = { depths: [2, 1], kernels: [5, 3, 5, 3], expands: [3, 2, 2, 2], widths: [1, 0.5] };

describe('deployedConfig', () => {
  it('makes the all-32-bit member the float model, stem and classifier included', () => {
    // The canonical form parks the skipped slot 3 at the lowest bits; it does not run.
    const all32 = canonicalConfig(space, withUniformBits(space, architecture, 32, 32));
    assert.equal(all32.wBits?.[3], space.quant.weightBits[0]);
    const float = deployedConfig(space, all32);
    assert.equal(float.wBits, undefined);
    assert.equal(float.aBits, undefined);
    assert.deepEqual(float, canonicalConfig(space, architecture));
    const plan = subnetPlan(space, float);
    assert.equal(plan.quantized, false);
    assert.deepEqual([plan.stem.wBits, plan.stem.aBits, plan.classifier.wBits, plan.classifier.aBits], [kFloatBits, kFloatBits, kFloatBits, kFloatBits]);
    // The genome form keeps the space's fixed stem and classifier bits.
    assert.equal(subnetPlan(space, all32).stem.wBits, space.quant.stemBits.w);
  });

  it('keeps the bits when any running block is quantized, in weights or activations', () => {
    const all32 = withUniformBits(space, architecture, 32, 32);
    for (const field of ['wBits', 'aBits'] as const) {
      const one: SubnetConfig = { ...all32, [field]: all32[field]!.map((b, slot) => (slot === 2 ? 8 : b)) };
      assert.equal(deployedConfig(space, one), one);
    }
    const float = largestConfig(space);
    assert.equal(deployedConfig(space, float), float);
  });

  it('knows whether a space offers float blocks at all', () => {
    assert.equal(hasFloatBits(space), true);
    const intOnly = parseSearchSpace({ ...space, quant: { ...space.quant, weightBits: [4, 8], actBits: [8] } });
    assert.equal(hasFloatBits(intOnly), false);
  });
});
