/** The CNN supernet as the trainer sees it (see trainingNet.ts). */
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { largestConfig, largestOfFamily, smallestConfig, spaceFamilies } from '../../space/searchSpace.js';
import { Supernet } from '../Supernet.js';
import { evaluateConfig } from '../evaluate.js';
import { sortChannelsByImportance } from '../layers/channelSort.js';
import { stepConfigs } from './schedule.js';
import type { TrainingNet } from './trainingNet.js';

export function cnnTrainingNet(space: SearchSpace): TrainingNet<SearchSpace, SubnetConfig> {
  return {
    checkpointKind: 'hwnas-supernet',
    space,
    replicaModule: new URL('./supernetReplica.js', import.meta.url),
    replicaInit: (seed, hyper) => ({ space, seed, hyper }),
    stepConfigs: (phase, seed, step) => stepConfigs(space, phase, seed, step),
    sortChannels(state, seed) {
      const layout = new Supernet(space, seed);
      try {
        sortChannelsByImportance(space, layout.store.params, state);
      } finally {
        layout.dispose();
      }
    },
    epochAccuracy(params, seed, phase, calibration, data, limit) {
      const net = new Supernet(space, seed);
      const accuracy = (cfg: SubnetConfig) => ({
        val: evaluateConfig(net, cfg, calibration, data.val, limit).accuracy,
        test: evaluateConfig(net, cfg, calibration, data.test, limit).accuracy,
      });
      try {
        net.store.assignFlat(params);
        const none = { val: NaN, test: NaN };
        if (phase.config !== undefined) return { largest: none, smallest: none, trained: accuracy(phase.config) };
        const record = { largest: accuracy(largestConfig(space)), smallest: accuracy(smallestConfig(space)) };
        if (space.families === undefined) return record;
        // Each family's own largest, so a run shows whether every family trains, not one.
        const largestName = largestConfig(space).families?.[0];
        const families = Object.fromEntries(spaceFamilies(space).map((f) => [f.name, f.name === largestName ? record.largest : accuracy(largestOfFamily(space, f.name))]));
        return { ...record, families };
      } finally {
        net.dispose();
      }
    },
  };
}
