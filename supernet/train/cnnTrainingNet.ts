/** The CNN supernet as the trainer sees it (see trainingNet.ts). */
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { largestConfig, smallestConfig } from '../../space/searchSpace.js';
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
        return { largest: accuracy(largestConfig(space)), smallest: accuracy(smallestConfig(space)) };
      } finally {
        net.dispose();
      }
    },
  };
}
