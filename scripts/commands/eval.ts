/** `hwnas eval`: accuracy of subnets of a trained supernet after BatchNorm recalibration. */
import type { Command } from 'commander';
import { Option } from 'commander';
import { addBackendOption, addCheckpointOption, addDataDirOption, type CommonOptions, parseIntOption } from '../options.js';
import { startBackend } from '../runtime.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { loadSupernet, resolveConfig } from '../../supernet/io.js';
import { calibrationSet, evaluateConfig } from '../../supernet/evaluate.js';
import { bitOps, macs, params } from '../../space/layers.js';
import { sampleConfig } from '../../space/searchSpace.js';
import { Rng } from '../../space/rng.js';
import type { SubnetConfig } from '../../space/types.js';
import { MlpPredictor } from '../../predictors/MlpPredictor.js';
import { predictorMetrics } from '../../predictors/metrics.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import { evalTransformerCommand } from './evalTransformerCmd.js';

interface EvalCliOptions extends CommonOptions {
  checkpoint: string;
  config: string[];
  random: string;
  seed: string;
  split: 'val' | 'test';
  calibrationImages: string;
  json?: boolean;
  predictor?: string;
}

export function registerEval(program: Command): void {
  const cmd = program
    .command('eval')
    .description('evaluate subnets (BatchNorm recalibrated on 2,000 training images): accuracy, MACs, params')
    .option('--config <file|largest|smallest...>', 'subnet configs to evaluate', ['largest', 'smallest'])
    .option('--random <n>', 'also evaluate n random subnets', '0')
    .option('--seed <n>', 'seed of the random subnets', '0')
    .addOption(new Option('--split <name>', 'split to evaluate on (test is for final reports)').choices(['val', 'test']).default('val'))
    .option('--calibration-images <n>', 'training images for BatchNorm recalibration', '2000')
    .option('--predictor <file>', 'also print what this accuracy predictor (hwnas fit) predicts for each config, and how it agrees')
    .option('--json', 'print one JSON object per config');
  addCheckpointOption(cmd);
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: EvalCliOptions) => {
    const nRandom = parseIntOption('random', opts.random, 0);
    const seed = parseIntOption('seed', opts.seed, 0);
    const calibrationImages = parseIntOption('calibration-images', opts.calibrationImages, 1);
    await startBackend(opts);
    if (readCheckpointMeta<{ kind?: string }>(opts.checkpoint).kind === 'hwnas-supertransformer') {
      await evalTransformerCommand({ ...opts, random: nRandom, seed });
      return;
    }
    const { net, meta } = loadSupernet(opts.checkpoint);
    const space = net.space;
    const data = await loadTrainingData(opts, space, meta.data, opts.checkpoint);
    const configs: Array<[string, SubnetConfig]> = opts.config.map((c) => [c, resolveConfig(space, c)]);
    const rng = new Rng(seed);
    for (let i = 0; i < nRandom; i++) configs.push([`random${i}`, sampleConfig(space, rng)]);
    const predictor = opts.predictor === undefined ? undefined : MlpPredictor.load(opts.predictor, space);
    const predicted = predictor?.predict(configs.map(([, cfg]) => cfg));
    const calib = calibrationSet(data.train, calibrationImages);
    const split = data[opts.split];
    if (!opts.json) {
      console.log(`supernet ${opts.checkpoint}: step ${meta.step}/${meta.totalSteps}; ${opts.split} split (${split.n} images)`);
      console.log(`config        accuracy    loss    MACs(M)  params(K)  BitOps(G)${predicted ? '  predicted (val)' : ''}`);
    }
    const measured: number[] = [];
    configs.forEach(([name, cfg], i) => {
      const r = evaluateConfig(net, cfg, calib, split);
      measured.push(r.accuracy);
      const row = {
        name, config: cfg, split: opts.split, accuracy: r.accuracy, loss: r.loss, macs: macs(space, cfg), params: params(space, cfg), bitOps: bitOps(space, cfg),
        ...(predicted ? { predictedValAccuracy: predicted[i] } : {}),
      };
      if (opts.json) console.log(JSON.stringify(row));
      else {
        const pred = predicted ? `  ${(100 * predicted[i]).toFixed(2).padStart(14)}%` : '';
        console.log(`${name.padEnd(12)}  ${(100 * r.accuracy).toFixed(2).padStart(6)}%  ${r.loss.toFixed(4)}  ${(row.macs / 1e6).toFixed(2).padStart(7)}  ${(row.params / 1e3).toFixed(1).padStart(9)}  ${(row.bitOps / 1e9).toFixed(2).padStart(9)}${pred}`);
      }
    });
    if (predicted && configs.length >= 3) {
      const m = predictorMetrics(predicted, measured);
      const offsetPp = (100 * measured.reduce((sum, a, i) => sum + a - predicted[i], 0)) / measured.length;
      const summary = { n: m.n, rmsePp: m.rmsePp, kendallTau: m.kendallTau, spearman: m.spearman, pairwiseAccuracy: m.pairwiseAccuracy, meanOffsetPp: offsetPp };
      if (opts.json) console.log(JSON.stringify({ predictorAgreement: summary }));
      else {
        console.log(`predicted val vs measured ${opts.split} on ${m.n} configs: RMSE ${m.rmsePp.toFixed(2)} pp, mean offset ${offsetPp >= 0 ? '+' : ''}${offsetPp.toFixed(2)} pp ` +
          `(measured - predicted), Kendall tau ${m.kendallTau.toFixed(3)}, Spearman ${m.spearman.toFixed(3)}, pairwise ${(100 * m.pairwiseAccuracy).toFixed(1)}%`);
      }
    }
    net.dispose();
  });
}
