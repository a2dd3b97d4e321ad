import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { largestTransformer, transformerConfigKey } from '../../space/transformer/configs.js';
import { transformerPartVariants, transformerParts } from '../../latency/transformer/transformerParts.js';
import { loadTransformerProfile, parseTransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { createSession } from '../../profiling/ort.js';
import { ortRuntime } from '../../profiling/ortRuntime.js';
import { tfjsRuntime } from '../../profiling/tfjsRuntime.js';
import { TransformerGraphCache } from '../../profiling/transformer/measureTransformer.js';
import { timeTransformerExport } from '../../pipeline/transformerVerify.js';
import { SuperTransformer } from '../../supernet/transformer/SuperTransformer.js';
import { exportTransformer } from '../../supernet/transformer/exportTransformer.js';
import { benchInput } from '../../profiling/benchRuntime.js';
import { layerDims, partGraph, subTransformerGraph, syntheticWeights } from '../../profiling/transformer/transformerGraphs.js';
import { measureTransformerProfile, minTransformerSubnets } from '../../profiling/transformer/profileTransformer.js';
import { evaluateTransformerProfile, profileTransformerDevice, transformerLatencyModel } from '../../pipeline/transformerProfile.js';
import { transformerToOnnx } from '../../supernet/export/onnx/transformerToOnnx.js';
import { tinyVitSpace } from '../fixtures/vit.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-profile-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const fast = { warmupRuns: 1, minSampleMs: 0, minRounds: 5, maxRounds: 5, targetSpread: 0.5 };
const runtime = ortRuntime(1);

describe('transformer part graphs', () => {
  for (const pool of ['mean', 'cls'] as const) {
    it(`run one after another, they compute the whole SubTransformer's logits (${pool} pooling)`, async () => {
      const space = tinyVitSpace(pool);
      const cfg = { kind: 'vit' as const, embedDim: 24, depth: 2, heads: [2, 1], mlpRatios: [1, 2] };
      const weights = syntheticWeights(space, cfg.embedDim, layerDims(cfg), 7);
      const image = benchInput([28, 28, 1]);
      const whole = await createSession(transformerToOnnx(space, cfg, weights));
      const expected = await whole.run(image, [1, 28, 28, 1]);
      let x = image;
      let layer = 0;
      for (const part of transformerParts(space, cfg)) {
        const g = partGraph(space, part, weights, layer);
        const session = await createSession(g.model);
        x = await session.run(x, [1, ...g.inputShape]);
        await session.release();
        if (part.kind === 'mlp') layer++;
      }
      await whole.release();
      assert.equal(x.length, 10);
      const scale = Math.max(...Array.from(expected, Math.abs));
      for (let i = 0; i < 10; i++) assert.ok(Math.abs(x[i] - expected[i]) <= 1e-5 * scale, `logit ${i}: ${x[i]} vs ${expected[i]}`);
    });
  }

  it('a whole SubTransformer graph takes an image and gives the classes', async () => {
    const space = tinyVitSpace();
    const g = subTransformerGraph(space, largestTransformer(space));
    const session = await createSession(g.model);
    assert.equal((await session.run(benchInput(g.inputShape), [1, ...g.inputShape])).length, 10);
    await session.release();
  });
});

describe('transformer latency profiles', () => {
  const space = tinyVitSpace();
  const out = join(dir, 'tiny.json');

  it('measures every part and the subnets, fits the table kind and trains HAT\'s MLP, and evaluates both on held-out SubTransformers', async () => {
    const subnets = minTransformerSubnets(space);
    assert.equal(subnets, transformerPartVariants(space).length + 10);
    let progress = 0;
    const { profile } = await profileTransformerDevice(runtime, space, out, {
      subnets, sampler: fast, budgetSeconds: 20, mlp: { hidden: [32, 32], maxEpochs: 40, patience: 40 }, onProgress: (done) => { progress = done; },
    });
    assert.equal(progress, transformerPartVariants(space).length + subnets);
    assert.deepEqual(Object.keys(profile.table).sort(), transformerPartVariants(space).map((v) => v.key).sort());
    assert.equal(profile.subnets.length, subnets);
    assert.equal(new Set(profile.subnets.map((s) => transformerConfigKey(s.config))).size, subnets);
    assert.equal(profile.tableModel.subnets, 10);
    assert.equal(profile.mlp.subnets, subnets);
    assert.deepEqual(profile.mlp.layers.map((l) => [l.inputs, l.outputs]), [[8, 32], [32, 32], [32, 1]]);
    assert.deepEqual(loadTransformerProfile(out), profile);
    // The file stores the MLP's arrays as tagged base64 float32, not as decimal numbers.
    const stored = (JSON.parse(readFileSync(out, 'utf8')) as { mlp: { layers: Array<{ weights: { dtype: string; shape: number[] } }> } }).mlp.layers;
    assert.deepEqual(stored.map((l) => [l.weights.dtype, l.weights.shape]), [['float32', [8, 32]], ['float32', [32, 32]], ['float32', [32, 1]]]);
    for (const kind of ['table', 'mlp'] as const) {
      const ms = transformerLatencyModel(profile, kind).predict(profile.subnets.map((s) => s.config));
      assert.ok(ms.every((v) => Number.isFinite(v)), kind);
    }
    const mlp = { hidden: [32, 32], maxEpochs: 40, patience: 40 };
    await assert.rejects(evaluateTransformerProfile(runtime, profile, { subnets: 5, sampler: fast, sizes: [21] }), /--sizes 21: give sizes from 22 \(the table's 12 parts and 10 subnets for its overhead fit\) to the profile's 22/);
    const e = await evaluateTransformerProfile(runtime, profile, { subnets: 5, sampler: fast, sizes: [22], mlp });
    assert.equal(e.subnets, 5);
    const trained = new Set(profile.subnets.map((s) => transformerConfigKey(s.config)));
    assert.ok(e.measured.every((m) => !trained.has(transformerConfigKey(m.config)) && m.ms > 0));
    assert.deepEqual(e.kinds.map((k) => [k.kind, k.measurements]), [['table', subnets], ['mlp', subnets], ['table', subnets], ['mlp', subnets]]);
    // Rebuilt from all its measurements with the same settings, each kind is the profile's own.
    assert.deepEqual(e.kinds[2], e.kinds[0]);
    assert.deepEqual(e.kinds[3], e.kinds[1]);
    for (const k of e.kinds) {
      assert.ok(k.shareWithin10 >= 0 && k.shareWithin10 <= 1 && k.mape >= 0 && Math.abs(k.spearman) <= 1, JSON.stringify(k));
    }
  });

  it('measures on tfjs-wasm too: every part and SubTransformer as a tfjs graph model', async () => {
    const wasm = await tfjsRuntime('tfjs-wasm', 1);
    const profile = await measureTransformerProfile(wasm, space, { subnets: minTransformerSubnets(space), sampler: fast, budgetSeconds: 20 });
    assert.equal(profile.target, 'tfjs-wasm');
    assert.deepEqual(Object.keys(profile.table).sort(), transformerPartVariants(space).map((v) => v.key).sort());
    assert.ok(profile.subnets.every((s) => s.ms > 0), 'every SubTransformer timed');
    assert.ok(profile.reference.ms > 0);
    // verify times the exported tfjs folder there (the ONNX file beside it is for test accuracy).
    const net = new SuperTransformer(space, 4);
    const files = { onnx: join(dir, 'wasm.onnx'), tfjs: join(dir, 'wasm.tfjs') };
    exportTransformer(net, largestTransformer(space), files.onnx);
    exportTransformer(net, largestTransformer(space), files.tfjs, { format: 'tfjs' });
    net.dispose();
    const cache = new TransformerGraphCache(wasm);
    const timed = await timeTransformerExport(wasm, profile, cache, files, fast);
    await cache.release();
    assert.ok(timed.measuredMs > 0 && timed.rawMs > 0, JSON.stringify(timed));
  });

  it('journals every measurement, and a resumed run measures nothing twice and gives the same profile', async () => {
    const journal = join(dir, 'resume.json.partial');
    const options = { subnets: 22, sampler: fast, budgetSeconds: 20, journal };
    const first = await measureTransformerProfile(runtime, space, options);
    let measured = 0;
    const again = await measureTransformerProfile(runtime, space, { ...options, resume: true, onProgress: () => { measured++; } });
    assert.equal(measured, 0);
    assert.deepEqual(again.table, first.table);
    assert.deepEqual(again.subnets, first.subnets);
    await assert.rejects(measureTransformerProfile(runtime, space, options), /resume\.json\.partial holds an unfinished profile: pass --resume to continue it, or delete it/);
    await assert.rejects(measureTransformerProfile(runtime, space, { ...options, seed: 9, resume: true }), /cannot resume .*resume\.json\.partial: it was measured with a different seed 1 vs 9/);
  });

  it('refuses too few subnets, an existing output, a runtime without ONNX and another target, naming the fix', async () => {
    await assert.rejects(measureTransformerProfile(runtime, space, { subnets: 5 }), /--subnets 5 is too few for space 'tiny-vit': its table has 12 parts .* give --subnets 22 or more/);
    await assert.rejects(profileTransformerDevice(runtime, space, out, { subnets: 22 }), /already exists: choose another --out, or pass --force/);
    const noOnnx = { ...runtime, target: 'rpi4', loadOnnx: undefined };
    await assert.rejects(measureTransformerProfile(noOnnx, space, { subnets: 22, sampler: fast }), /target rpi4 cannot run the graphs a transformer profile times: profile a transformer space on ort-cpu \(--target ort-cpu:THREADS\) or tfjs-wasm/);
    await assert.rejects(evaluateTransformerProfile(ortRuntime(2), loadTransformerProfile(out)), /measured on ort-cpu:1, the runtime is ort-cpu:2/);
  });

  it('refuses a missing or invalid file, naming it and how to make one', () => {
    assert.throws(() => loadTransformerProfile(join(dir, 'none.json')), /none\.json does not exist: measure one with 'hwnas profile --space fashion-vit/);
    const bad = join(dir, 'bad.json');
    const profile = loadTransformerProfile(out);
    writeFileSync(bad, JSON.stringify({ ...profile, mlp: { ...profile.mlp, features: ['x'] } }));
    assert.throws(() => loadTransformerProfile(bad), /bad\.json is invalid:\n {2}mlp\.features: the MLP uses other features/);
    assert.throws(() => parseTransformerProfile({ ...profile, subnets: [{ config: { ...profile.subnets[0].config, embedDim: 20 }, ms: 1, spread: 0 }] }, 'p'), /subnets\.0\.config: config\.embedDim = 20/);
  });
});
