import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inCheckpointClassOrder } from '../../supernet/trainingData.js';
import type { Dataset, DataSplit } from '../../supernet/data/types.js';

function split(name: 'train' | 'val' | 'test', labels: number[]): DataSplit {
  return { name, n: labels.length, height: 1, width: 1, images: new Uint8Array(labels.length), labels: Uint8Array.from(labels), indices: new Int32Array(labels.length), source: 'x' } as unknown as DataSplit;
}

function dataset(classNames: string[], labels: number[]): Dataset {
  return { classNames, train: split('train', labels), val: split('val', labels), test: split('test', labels), notes: [] } as unknown as Dataset;
}

describe('inCheckpointClassOrder', () => {
  it("renumbers a folder's alphabetical classes to the order the network was trained in, by name", () => {
    const trained = ['T-shirt/top', 'Trouser', 'Bag'];
    const folder = dataset(['Bag', 'T-shirt-top', 'Trouser'], [0, 1, 2, 0]);
    const out = inCheckpointClassOrder(folder, trained);
    assert.deepEqual([...out.test.labels], [2, 0, 1, 2]);
    assert.deepEqual(out.classNames, trained);
    assert.match(out.notes.join('\n'), /renumbered by name/);
    assert.equal(inCheckpointClassOrder(dataset(trained, [1]), trained).test.labels[0], 1);
  });

  it('refuses data whose classes are not the trained ones', () => {
    assert.throws(() => inCheckpointClassOrder(dataset(['cat', 'dog'], [0]), ['cat', 'cow'], 'net.ckpt'),
      /the data's classes \(cat, dog\) are not the ones net\.ckpt was trained on \(cat, cow\)/);
    assert.throws(() => inCheckpointClassOrder(dataset(['a', 'b', 'c'], [0]), ['a', 'b']), /are not the ones/);
  });
});
