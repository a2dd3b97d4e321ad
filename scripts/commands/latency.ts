/**
 * `hwnas latency`: what a latency profile predicts for configs of its space, without measuring
 * anything - the budget a search needs to match a network of one's own (e.g. a baseline's
 * config: `hwnas search --max-latency` takes the printed figure), or a config's cost before
 * exporting it.
 */
import type { Command } from 'commander';
import { loadLatencyProfile } from '../../latency/latencyProfile.js';
import { isTransformerProfileFile } from '../../latency/transformer/transformerProfile.js';
import { ProfileLatencyModel } from '../../latency/ProfileLatencyModel.js';
import { formatTable } from '../../pipeline/table.js';
import { layersOf, macs } from '../../space/layers.js';
import { resolveConfig } from '../../supernet/io.js';

interface LatencyCliOptions {
  profile: string;
  config: string[];
  json?: boolean;
}

export function registerLatency(program: Command): void {
  program
    .command('latency')
    .description("print what a latency profile predicts for configs of its space, measuring nothing: e.g. a baseline's latency as a search budget")
    .requiredOption('--profile <file>', 'latency profile written by hwnas profile (its target, threads and space are read from it)')
    .option('--config <file|largest|smallest...>', 'configs of the profile\'s space (config JSON files, or a search results file)', ['largest', 'smallest'])
    .option('--json', 'print one JSON object per config')
    .action((opts: LatencyCliOptions) => {
      if (isTransformerProfileFile(opts.profile)) {
        throw new Error(`${opts.profile} is a transformer latency profile: hwnas latency predicts configs of a CNN space; a SubTransformer's latency comes from it in hwnas search --checkpoint SUPERTRANSFORMER --profile ort-cpu:T=${opts.profile}`);
      }
      const profile = loadLatencyProfile(opts.profile);
      const { space } = profile;
      const configs = opts.config.map((arg) => resolveConfig(space, arg));
      const spec = `${profile.target}:${profile.threads}`;
      const model = new ProfileLatencyModel(profile, (c) => layersOf(space, c), `profile ${opts.profile}`);
      const ms = model.predict(configs);
      const rows = configs.map((config, i) => ({ config: opts.config[i], target: spec, space: space.name, macs: macs(space, config), predictedMs: ms[i] }));
      if (opts.json === true) {
        for (const row of rows) console.log(JSON.stringify(row));
        return;
      }
      console.log(formatTable(['config', 'MACs', `${spec} predicted ms`], rows.map((r) => [r.config, `${(r.macs / 1e6).toFixed(2)}M`, r.predictedMs.toFixed(4)])));
      console.log(`predicted by ${opts.profile} (space ${space.name}; measured on ${profile.machine.cpuModel}); the same config measured here may differ: check with hwnas verify`);
    });
}
