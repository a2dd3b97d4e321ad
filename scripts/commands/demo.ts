/**
 * `hwnas demo` (what `npm start` runs): the most complete pipeline on the shipped artifacts -
 * the shipped supernet's subnets evaluated on the test split after BatchNorm recalibration.
 */
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { addBackendOption, addDataDirOption, type CommonOptions } from '../options.js';
import { startBackend } from '../runtime.js';
import { loadFashionMnist } from '../../supernet/data/fashionMnist.js';
import { loadSupernet } from '../../supernet/io.js';
import { calibrationSet, evaluateConfig } from '../../supernet/evaluate.js';
import { macs, params } from '../../supernet/space/layers.js';
import { largestConfig, sampleConfig, smallestConfig } from '../../supernet/space/searchSpace.js';
import { Rng } from '../../supernet/rng.js';

export const kShippedSupernet = 'models/supernet.ckpt';

export function registerDemo(program: Command): void {
  const cmd = program
    .command('demo')
    .description('run the pipeline on the shipped supernet: subnets extracted, recalibrated and evaluated')
    .option('--checkpoint <path>', 'supernet checkpoint', kShippedSupernet);
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: CommonOptions & { checkpoint: string }) => {
    if (!existsSync(opts.checkpoint)) {
      throw new Error(`no supernet at ${opts.checkpoint}: train one with 'hwnas train --out ${opts.checkpoint}' or pass --checkpoint`);
    }
    await startBackend(opts);
    const data = loadFashionMnist({ dataDir: opts.dataDir });
    const { net, meta } = loadSupernet(opts.checkpoint);
    const space = net.space;
    console.log(`supernet ${opts.checkpoint} (space ${space.name}, trained ${meta.step}/${meta.totalSteps} steps)`);
    const rng = new Rng(1);
    const configs = [
      ['largest', largestConfig(space)],
      ['smallest', smallestConfig(space)],
      ['random-1', sampleConfig(space, rng)],
      ['random-2', sampleConfig(space, rng)],
      ['random-3', sampleConfig(space, rng)],
    ] as const;
    const calib = calibrationSet(data.train);
    console.log('subnet      MACs(M)  params(K)  test accuracy');
    for (const [name, cfg] of configs) {
      const r = evaluateConfig(net, cfg, calib, data.test);
      console.log(`${name.padEnd(10)}  ${(macs(space, cfg) / 1e6).toFixed(2).padStart(7)}  ${(params(space, cfg) / 1e3).toFixed(1).padStart(9)}  ${(100 * r.accuracy).toFixed(2)}%`);
    }
    net.dispose();
  });
}
