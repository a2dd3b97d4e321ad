/** `hwnas info`: the backend, the dataset and the search space at a glance. */
import type { Command } from 'commander';
import { addBackendOption, addDataDirOption, type CommonOptions } from '../options.js';
import { startBackend } from '../runtime.js';
import { loadData } from '../../supernet/data/loadDataset.js';
import { resolveSpace } from '../../supernet/io.js';
import { countSubnetsExact, formatCount } from '../../space/count.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
import { macs, params } from '../../space/layers.js';
import { resolveTransformerSpace } from '../../supernet/transformer/io.js';
import { countTransformersExact, largestTransformer, smallestTransformer, transformerCost, type TransformerSpace } from '../../space/transformer/index.js';

function transformerLines(space: TransformerSpace): string[] {
  const line = (what: string, cost: { macs: number; params: number }) => `  ${what} ${(cost.macs / 1e6).toFixed(2)}M MACs, ${(cost.params / 1e3).toFixed(1)}K params`;
  return [
    `space: ${space.name} (transformer, ${space.patchSize}x${space.patchSize} patches, ${space.pool} pooling): ${formatCount(countTransformersExact(space))} SubTransformers`,
    line('largest ', transformerCost(space, largestTransformer(space))),
    line('smallest', transformerCost(space, smallestTransformer(space))),
  ];
}

export function registerInfo(program: Command): void {
  const cmd = program
    .command('info')
    .description('show the compute backend, the dataset splits and the search space')
    .option('--space <name|file>', 'search space', 'fashion-mbv3');
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: CommonOptions & { space: string }) => {
    await startBackend(opts);
    const vit = resolveTransformerSpace(opts.space);
    const cnn = vit === undefined ? resolveSpace(opts.space) : undefined;
    const data = await loadData(opts, (vit ?? cnn)!.input);
    const { height, width, channels } = data.input;
    console.log(`data: ${data.dir} (${data.format}): train ${data.train.n}, val ${data.val.n}, test ${data.test.n}; ${height}x${width}x${channels}, ${data.classes} classes`);
    console.log(`  normalisation (from train): mean ${data.normalization.mean.map((m) => m.toFixed(5)).join(', ')}, std ${data.normalization.std.map((s) => s.toFixed(5)).join(', ')}`);
    for (const note of data.notes) console.log(`  ${note}`);
    if (vit !== undefined) {
      for (const line of transformerLines(vit)) console.log(line);
      return;
    }
    const space = cnn!;
    const big = largestConfig(space);
    const small = smallestConfig(space);
    console.log(`space: ${space.name}: ${formatCount(countSubnetsExact(space))} fp32 subnets, ${formatCount(countSubnetsExact(space, { quant: 'mixed' }))} with bits`);
    console.log(`  largest  ${(macs(space, big) / 1e6).toFixed(2)}M MACs, ${(params(space, big) / 1e3).toFixed(1)}K params`);
    console.log(`  smallest ${(macs(space, small) / 1e6).toFixed(2)}M MACs, ${(params(space, small) / 1e3).toFixed(1)}K params`);
  });
}
