import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { initBackend } from '../../supernet/backend/backend.js';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { distinctTransformers } from '../../space/transformer/configs.js';
import { transformerCost } from '../../space/transformer/cost.js';
import type { TransformerConfig } from '../../space/transformer/types.js';
import { transformerPartVariants, transformerTableSum } from '../../latency/transformer/transformerParts.js';
import { fitTransformerLatencyMlp, TransformerLatencyMlp } from '../../predictors/TransformerLatencyMlp.js';
import { fitTableModel } from '../../profiling/transformer/profileTransformer.js';
import { TransformerTableModel } from '../../latency/transformer/TransformerTableModel.js';
import { mape, spearman } from '../../util/stats.js';

/** A synthetic device: 0.05 ms per run, 0.01 ms per layer, and 0.012 ms per million MACs. */
const latency = (c: TransformerConfig) => 0.05 + 0.01 * c.depth + 0.012 * (transformerCost(fashionVit, c).macs / 1e6);
const configs = distinctTransformers(fashionVit, 260, 11);
const train = configs.slice(0, 200).map((config) => ({ config, ms: latency(config), spread: 0 }));
const test = configs.slice(200);

describe('transformer latency kinds on a synthetic device', () => {
  before(async () => {
    await initBackend({ backend: 'wasm' });
  });

  it("HAT's MLP learns the latency of held-out SubTransformers from measured ones", async () => {
    const mlp = await fitTransformerLatencyMlp(fashionVit, train, { hidden: [64, 64], maxEpochs: 300, patience: 50, seed: 2 });
    assert.equal(mlp.subnets, 200);
    const model = new TransformerLatencyMlp({ target: 'ort-cpu', threads: 1, space: fashionVit, mlp });
    const predicted = model.predict(test);
    const actual = test.map(latency);
    assert.ok(spearman(predicted, actual) > 0.95, `Spearman ${spearman(predicted, actual)}`);
    assert.ok(mape(predicted, actual) < 10, `MAPE ${mape(predicted, actual)}%`);
    assert.equal(model.predict([]).length, 0);
  });

  it('the table kind recovers the overhead of a table that times each part at 0.9x its share', () => {
    // Parts timed one by one miss 10% of their time, the per-run 0.05 ms and the per-layer 0.01 ms.
    const table = Object.fromEntries(transformerPartVariants(fashionVit).map((p) => {
      const macs = p.kind === 'embed' ? 16 * 49 * p.embedDim : p.kind === 'head' ? p.embedDim * 10
        : p.kind === 'attn' ? 16 * 4 * p.embedDim * p.heads * 32 + 2 * 16 * 16 * p.heads * 32 : 16 * 2 * p.embedDim * p.hidden;
      return [p.key, 0.9 * 0.012 * macs / 1e6];
    }));
    const fit = fitTableModel(fashionVit, table, train.slice(0, 60));
    const [intercept, scale, perLayer] = fit.weights;
    assert.ok(Math.abs(intercept - 0.05) < 1e-6 && Math.abs(scale - 1 / 0.9) < 1e-5 && Math.abs(perLayer - 0.01) < 1e-6, fit.weights.join(', '));
    assert.equal(fit.crossValidated.shareWithin10, 1);
    const model = new TransformerTableModel({ target: 'ort-cpu', threads: 1, space: fashionVit, table, tableModel: fit });
    const predicted = model.predict(test);
    test.forEach((c, i) => assert.ok(Math.abs(predicted[i] - latency(c)) < 1e-6, `${predicted[i]} vs ${latency(c)}`));
    assert.ok(transformerTableSum(new Map(Object.entries(table)), fashionVit, test[0]) > 0);
  });
});
