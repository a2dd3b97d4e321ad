import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cachedSession, createSession, releaseCachedSessions } from '../../profiling/ort.js';
import { encodeModel, OnnxDataType } from '../../supernet/export/onnx/schema.js';
import { tempDir } from '../fixtures/tempDir.js';

/** y = relu(x) for x of shape [N, 3]. */
function reluModel(): Uint8Array {
  const info = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: OnnxDataType.FLOAT, shape: { dim: [{ dim_param: 'n' }, { dim_value: 3 }] } } },
  });
  return encodeModel({
    ir_version: 8,
    opset_import: [{ domain: '', version: 14 }],
    graph: { name: 'relu', node: [{ op_type: 'Relu', input: ['x'], output: ['y'], name: 'relu' }], input: [info('x')], output: [info('y')] },
  });
}

describe('onnxruntime adapter', () => {
  after(() => releaseCachedSessions());

  it('runs a float batch, whole or in batches', async () => {
    const s = await createSession(reluModel());
    assert.equal(s.inputName, 'x');
    assert.deepEqual([...(await s.run(Float32Array.of(-1, 2, -3, 4, -5, 6), [2, 3]))], [0, 2, 0, 4, 0, 6]);
    assert.deepEqual([...(await s.runBatched(Float32Array.of(-1, 2, -3, 4, -5, 6, 7, -8, 9), [3, 3], 2))], [0, 2, 0, 4, 0, 6, 7, 0, 9]);
    await assert.rejects(s.run(new Float32Array(5), [2, 3]), /input of 5 values does not match dims \[2, 3\]/);
    await s.release();
  });

  it('caches one session per model and options', async () => {
    const bytes = reluModel();
    const a = await cachedSession(bytes, { intraOpThreads: 1 });
    const b = await cachedSession(reluModel(), { intraOpThreads: 1 });
    const c = await cachedSession(bytes, { intraOpThreads: 2 });
    assert.equal(a, b);
    assert.notEqual(a, c);
    assert.equal(c.options.intraOpThreads, 2);
  });

  it('profiles kernel time per operator type', async () => {
    const prefix = join(tempDir('hwnas-ort-'), 'relu');
    const s = await createSession(reluModel(), { profilePrefix: prefix });
    for (let i = 0; i < 3; i++) await s.run(Float32Array.of(-1, 2, 3), [1, 3]);
    const profile = s.endProfile();
    assert.ok(profile.file.startsWith(`${prefix}_`));
    assert.deepEqual(Object.keys(profile.microsByOp), ['Relu']);
    await s.release();
    const plain = await createSession(reluModel());
    assert.throws(() => plain.endProfile(), /created without options.profilePrefix/);
    await plain.release();
  });

  it('names bad options and unloadable models', async () => {
    await assert.rejects(createSession(reluModel(), { intraOpThreads: 0 }), /options.intraOpThreads must be a positive integer \(got 0\)/);
    await assert.rejects(createSession(reluModel(), { optimization: 'max' as never }), /options.optimization must be one of disabled, basic, extended, all/);
    await assert.rejects(createSession(new Uint8Array([1, 2, 3])), /onnxruntime could not load 3-byte model/);
  });
});
