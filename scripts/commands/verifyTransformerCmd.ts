/** `hwnas verify` of a transformer search's results: export, time and score each chosen SubTransformer. */
import { sameSpace } from '../../space/sameSpace.js';
import { transformerConfigKey } from '../../space/transformer/configs.js';
import type { DataOptions } from '../../supernet/data/loadDataset.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { loadSuperTransformer } from '../../supernet/transformer/io.js';
import { loadTransformerProfile } from '../../latency/transformer/transformerProfile.js';
import { createBenchRuntime } from '../../profiling/benchRuntime.js';
import { readTransformerResult } from '../../pipeline/transformerSearch.js';
import { verifyTransformerResults } from '../../pipeline/transformerVerify.js';
import { buildFolderAtomic } from '../../util/atomicWrite.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { withOutputLock } from '../../util/outputLock.js';

export interface TransformerVerifyArgs extends DataOptions {
  checkpoint?: string;
  out: string;
  force?: boolean;
}

export async function verifyTransformerCommand(files: string[], args: TransformerVerifyArgs): Promise<void> {
  if (files.length !== 1) throw new Error(`verify one transformer results file at a time (got ${files.length})`);
  const results = readTransformerResult(files[0]);
  const checkpoint = args.checkpoint ?? results.checkpoint;
  const profile = loadTransformerProfile(results.profile);
  checkOutputPath(args.out, { kind: 'folder', existing: args.force === true ? 'replace' : 'refuse' });
  const runtime = await createBenchRuntime(profile.target, profile.threads);
  const { net, meta } = loadSuperTransformer(checkpoint);
  try {
    if (!sameSpace(net.space, results.space)) {
      throw new Error(`${checkpoint} is a SuperTransformer of space '${net.space.name}', the results are of '${results.space.name}': give the --checkpoint the search used (${results.checkpoint})`);
    }
    const data = await loadTrainingData(args, net.space, meta.data, checkpoint);
    const rows = await withOutputLock(args.out, () => buildFolderAtomic(args.out, (dir) => verifyTransformerResults(results, net, data.test, runtime, dir)));
    console.log(`verified ${rows.length} SubTransformer${rows.length === 1 ? '' : 's'} on ${profile.target}:${profile.threads} (${results.latencyKind} latency model) -> ${args.out}`);
    console.log('config                                predicted acc  test acc   predicted ms  measured ms');
    for (const r of rows) {
      console.log(`${transformerConfigKey(r.config).padEnd(36)}  ${(100 * r.predictedAccuracy).toFixed(2).padStart(12)}%  ${(100 * r.testAccuracy).toFixed(2).padStart(7)}%  ` +
        `${r.predictedMs.toFixed(4).padStart(12)}  ${r.measuredMs.toFixed(4).padStart(11)}${r.noisy ? ' (noisy)' : ''}`);
    }
  } finally {
    net.dispose();
  }
}
