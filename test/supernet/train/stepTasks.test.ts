import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { DataSplit } from '../../../supernet/data/types.js';
import type { PhaseSpec } from '../../../supernet/train/schedule.js';
import { stepTasks } from '../../../supernet/train/stepTasks.js';

/** 8 mid-grey 12x12 images (grey, so an erased rectangle of random pixels stands out). */
const side = 12;
const split: DataSplit = {
  name: 'train', n: 8, height: side, width: side, channels: 1,
  images: new Uint8Array(8 * side * side).fill(128), labels: new Uint8Array(8), indices: Int32Array.from({ length: 8 }, (_, i) => i),
  source: 'test', normalization: { mean: [0.5], std: [0.25] },
};
const phase: PhaseSpec<string> = { name: 'finetune', epochs: 1, lr: 0.1, warmupEpochs: 0, sandwich: false, randomSubnets: 0, config: 'c' };
const batch = (erasing: number) => ({ train: split, indices: Int32Array.from({ length: 8 }, (_, i) => i), seed: 3, epoch: 1, batch: 2, erasing });
const images = (erasing: number): Float32Array[] => stepTasks(batch(erasing), ['c'], phase, 2).map((t) => t.x);

describe('stepTasks', () => {
  it("builds the step's batch with the run's random erasing, and the same batch without it at 0", () => {
    const plain = images(0);
    assert.deepEqual(images(0), plain, 'deterministic');
    const erased = images(1);
    assert.equal(erased.length, 2, 'one shard per worker');
    const grey = (128 / 255 - 0.5) / 0.25;
    for (let w = 0; w < 2; w++) {
      for (let k = 0; k < 4; k++) {
        const px = Array.from(erased[w].subarray(k * side * side, (k + 1) * side * side));
        const before = Array.from(plain[w].subarray(k * side * side, (k + 1) * side * side));
        const changed = px.filter((v, i) => v !== before[i]).length;
        // Crop and flip of a flat image leave it grey but for the zero padding shifted in.
        assert.ok(changed >= 0.02 * side * side * 0.5, `shard ${w} image ${k}: ${changed} pixels erased`);
        assert.ok(px.some((v) => Math.abs(v - grey) > 0.1 && Math.abs(v - (0 - 0.5) / 0.25) > 0.1), `shard ${w} image ${k} holds random pixels`);
      }
    }
  });
});
