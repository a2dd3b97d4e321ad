import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadTransformerProfile, type TransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { transformerFeatureNames } from '../../latency/transformer/transformerFeatures.js';
import { TransformerLatencyMlp } from '../../predictors/TransformerLatencyMlp.js';
import { distinctTransformers } from '../../space/transformer/configs.js';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { Rng } from '../../space/rng.js';
import { decodeFloat32, encodeFloat32 } from '../../util/float32Base64.js';
import { kVitTargets, syntheticVitProfile } from '../fixtures/vitProfiles.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-profile-file-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const dim = transformerFeatureNames(fashionVit).length;
const hidden = 16;
const configs = distinctTransformers(fashionVit, 300, 3);

/** A profile whose MLP (dim -> 16 -> 1) has random weights, a -0 and a subnormal among them (the largest float32 is in the codec's test). */
function profileWithMlp(): TransformerProfile {
  const rng = new Rng(4);
  const w1 = Float32Array.from({ length: dim * hidden }, () => rng.normal() * 0.3);
  w1.set([-0, 2 ** -149], 0);
  const w2 = Float32Array.from({ length: hidden }, () => rng.normal());
  const b1 = Float32Array.from({ length: hidden }, (_, i) => (i % 2 ? -0 : 0.01 * i));
  const profile = syntheticVitProfile(fashionVit, kVitTargets['ort-cpu:1']);
  profile.mlp.layers = [
    { inputs: dim, outputs: hidden, weights: encodeFloat32(w1, [dim, hidden]), bias: encodeFloat32(b1, [hidden]) },
    { inputs: hidden, outputs: 1, weights: encodeFloat32(w2, [hidden, 1]), bias: encodeFloat32([0.5], [1]) },
  ];
  return profile;
}

/** The profile as files written before the tagged form: the MLP's arrays as plain numbers. */
function oldForm(profile: TransformerProfile): unknown {
  const layers = profile.mlp.layers.map((l) => ({
    inputs: l.inputs, outputs: l.outputs,
    weights: Array.from(decodeFloat32(l.weights, [l.inputs, l.outputs], 'w')), bias: Array.from(decodeFloat32(l.bias, [l.outputs], 'b')),
  }));
  return { ...profile, mlp: { ...profile.mlp, layers } };
}

function write(name: string, data: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof data === 'string' ? data : JSON.stringify(data));
  return path;
}

const bits = (a: Float64Array): string => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('hex');

describe('transformer latency profile files: the MLP as base64 float32', () => {
  const profile = profileWithMlp();
  const text = JSON.stringify(profile);

  it('stores each layer tagged with dtype and shape, and loads it back unchanged, -0 included', () => {
    const raw = JSON.parse(text) as { mlp: { layers: Array<{ weights: unknown; bias: unknown }> } };
    assert.deepEqual(raw.mlp.layers.map((l) => Object.keys(l.weights as object)), [['dtype', 'shape', 'base64'], ['dtype', 'shape', 'base64']]);
    assert.deepEqual(raw.mlp.layers.map((l) => (l.weights as { shape: number[] }).shape), [[dim, hidden], [hidden, 1]]);
    const loaded = loadTransformerProfile(write('new.json', text));
    assert.deepEqual(loaded, profile);
    // Load and re-save: the same bytes.
    assert.equal(JSON.stringify(loaded), text);
    assert.ok(Object.is(decodeFloat32(loaded.mlp.layers[0].weights, [dim, hidden], 'w')[0], -0));
  });

  it('loads a file of the old plain-array form into the same profile, with bit-identical predictions', () => {
    const old = JSON.stringify(oldForm(profile));
    const fromOld = loadTransformerProfile(write('old.json', old));
    // The same numbers (the decimal form wrote -0 as 0, which compares equal).
    profile.mlp.layers.forEach((l, i) => {
      for (const [field, shape] of [['weights', [l.inputs, l.outputs]], ['bias', [l.outputs]]] as const) {
        const was = decodeFloat32(l[field], shape, field);
        const now = decodeFloat32(fromOld.mlp.layers[i][field], shape, field);
        assert.ok(now.length === was.length && now.every((v, k) => v === was[k]), `layer ${i} ${field}`);
      }
    });
    assert.deepEqual({ ...fromOld, mlp: null }, { ...profile, mlp: null });
    const before = new TransformerLatencyMlp(fromOld).predict(configs);
    const resaved = loadTransformerProfile(write('resaved.json', JSON.stringify(fromOld)));
    const after = new TransformerLatencyMlp(resaved).predict(configs);
    assert.equal(before.length, 300);
    assert.ok(new Set(before).size > 50, 'the MLP tells the configs apart');
    assert.equal(bits(after), bits(before));
    assert.equal(bits(new TransformerLatencyMlp(profile).predict(configs)), bits(before));
    // The point of it: about 5.3 characters a weight instead of about 20.
    const weights = dim * hidden + hidden;
    assert.ok(old.length - text.length > weights * 10, `${text.length} vs ${old.length} characters for ${weights} weights`);
  });

  it('refuses a corrupt or short payload and a shape mismatch, naming the file and the field', () => {
    const layers = profile.mlp.layers;
    const bad = (name: string, i: number, field: 'weights' | 'bias', value: unknown): string => {
      const broken = layers.map((l, k) => (k === i ? { ...l, [field]: value } : l));
      return write(name, { ...profile, mlp: { ...profile.mlp, layers: broken } });
    };
    const w0 = layers[0].weights;
    const corrupt = bad('corrupt.json', 0, 'weights', { ...w0, base64: `${w0.base64.slice(0, 10)}*${w0.base64.slice(11)}` });
    assert.throws(() => loadTransformerProfile(corrupt), /transformer latency profile .*corrupt\.json is invalid:\n {2}mlp\.layers\.0\.weights: weights is not base64 .*\nre-create it with 'hwnas profile/);
    const short = bad('short.json', 1, 'bias', { ...layers[1].bias, base64: 'AAAA' });
    assert.throws(() => loadTransformerProfile(short), /short\.json is invalid:\n {2}mlp\.layers\.1\.bias: bias holds 3 bytes, expected 4 \(1 float32 values\)/);
    const shape = bad('shape.json', 0, 'weights', { ...w0, shape: [dim * hidden] });
    assert.throws(() => loadTransformerProfile(shape), new RegExp(`shape\\.json is invalid:\\n {2}mlp\\.layers\\.0\\.weights: weights has shape \\[${dim * hidden}\\], expected \\[${dim}, ${hidden}\\]`));
    const oldShort = bad('old-short.json', 1, 'weights', [1, 2, 3]);
    assert.throws(() => loadTransformerProfile(oldShort), /old-short\.json is invalid:\n {2}mlp\.layers\.1\.weights: weights holds 3 numbers, expected \[16, 1\]/);
    const nan = bad('nan.json', 1, 'bias', encodeFloat32([NaN], [1]));
    assert.throws(() => loadTransformerProfile(nan), /nan\.json is invalid:\n {2}mlp\.layers\.1\.bias: bias\[0\] is NaN/);
  });
});
