import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { initBackend } from '../../../supernet/backend/backend.js';
import { SupernetTrainer } from '../../../supernet/train/SupernetTrainer.js';
import { stepConfigs, validateTrainOptions, type PhaseSpec } from '../../../supernet/train/schedule.js';
import { createEngine } from '../../../supernet/train/engines.js';
import { largestOfFamily, smallestOfFamily, spaceFamilies } from '../../../space/searchSpace.js';
import { parseConfig } from '../../../space/schema.js';
import { fashionHybrid } from '../../../space/defaultSpace.js';
import { hybridMicroSpace } from '../../fixtures/hybridSpace.js';
import { smallFashionMnist } from '../../fixtures/data.js';
import { tempDir } from '../../fixtures/tempDir.js';

const sandwich: PhaseSpec = { name: 'sandwich', epochs: 1, lr: 0.05, warmupEpochs: 0, sandwich: true, randomSubnets: 2 };
const turns: PhaseSpec = { ...sandwich, name: 'families', familyTurns: true };

describe('the sandwich with block families in turn', () => {
  it("takes one family's largest and smallest per step, every family in turn, and the same random subnets", () => {
    const families = spaceFamilies(fashionHybrid).map((f) => f.name);
    assert.deepEqual(families, ['mbconv', 'fused', 'resnet']);
    for (let step = 0; step < 6; step++) {
      const family = families[step % 3];
      const configs = stepConfigs(fashionHybrid, turns, 5, step);
      assert.equal(configs.length, 4);
      assert.deepEqual(configs[0], largestOfFamily(fashionHybrid, family), `step ${step}: ${family}'s largest teaches`);
      assert.deepEqual(configs[1], smallestOfFamily(fashionHybrid, family));
      assert.deepEqual(configs.slice(2), stepConfigs(fashionHybrid, sandwich, 5, step).slice(2), 'the random draws are the plain sandwich\'s');
      for (const c of configs) parseConfig(fashionHybrid, c);
    }
    // A space without families takes its largest and smallest as the plain sandwich does.
    const plain = { ...fashionHybrid, families: undefined };
    assert.deepEqual(stepConfigs(plain, turns, 5, 1).slice(0, 2), stepConfigs(plain, sandwich, 5, 1).slice(0, 2));
  });

  it('refuses families in turn outside the sandwich', () => {
    assert.throws(() => validateTrainOptions({ phases: [{ ...turns, sandwich: false }] }), /phases\[0\]\.familyTurns takes the families in turn in the sandwich rule: set sandwich true/);
  });

  describe('a run', () => {
    before(async () => {
      await initBackend({ backend: 'wasm' });
    });

    it("records each family's largest at every epoch end", async () => {
      const space = hybridMicroSpace();
      const dir = tempDir('hwnas-turns-');
      const trainer = new SupernetTrainer(space, smallFashionMnist(48, 32, 32), join(dir, 't.ckpt'), {
        batchSize: 16, evalImages: 32, calibrationImages: 32, phases: [{ ...turns, randomSubnets: 0 }],
      });
      const engine = await createEngine(trainer.replicaInit(), 1);
      try {
        const meta = await trainer.run(engine, false);
        const [record] = meta.history;
        assert.deepEqual(Object.keys(record.families ?? {}), spaceFamilies(space).map((f) => f.name));
        for (const a of Object.values(record.families ?? {})) assert.ok(a.val >= 0 && a.val <= 1 && a.test >= 0 && a.test <= 1);
        const last = spaceFamilies(space).at(-1)!.name;
        assert.deepEqual(record.families?.[last], record.largest, "the space's largest is its last family's");
      } finally {
        await engine.close();
      }
    });
  });
});
