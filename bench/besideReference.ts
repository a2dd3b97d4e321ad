/**
 * A subnet timed as a profile times it (beside the space's reference subnet, two sessions alive)
 * and alone (one session, as verify and a deployed model run it), at several sample lengths, on
 * ort-cpu at the given thread count: does timing beside another session change the time?
 *
 *   npm run bench:beside-reference -- --results a.json,b.json [--threads 2] [--sample-ms 0.25,5] [--rounds 2]
 *
 * --results are search results files (their best config and space).
 */
import { createBenchRuntime } from '../profiling/benchRuntime.js';
import { kDefaultSampler } from '../profiling/interleaved.js';
import { measureSubnet, referenceConfig, subnetGraph } from '../profiling/measureSubnet.js';
import { readSearchResult } from '../pipeline/searchResultFile.js';
import { median } from '../util/stats.js';
import { benchMachine } from './machine.js';
import { benchArgs, fail, intFlag } from './args.js';

const kName = 'bench:beside-reference';
const args = benchArgs(kName, {
  results: { type: 'string' },
  threads: { type: 'string', default: '2' },
  'sample-ms': { type: 'string', default: '0.25,5' },
  rounds: { type: 'string', default: '2' },
});

try {
  if (args.results === undefined) throw new Error('give --results a.json[,b.json...]: search results files whose best configs are timed');
  const threads = intFlag('threads', args.threads, 1);
  const rounds = intFlag('rounds', args.rounds, 1);
  const sampleMs = args['sample-ms'].split(',').map((v) => {
    const x = Number(v);
    if (!(x >= 0) || !Number.isFinite(x)) throw new Error(`--sample-ms takes numbers >= 0 (got '${v}')`);
    return x;
  });
  const runtime = await createBenchRuntime('ort-cpu', threads);
  console.log(`machine: ${benchMachine()}; ort-cpu:${threads}\n`);
  console.log('| results | sample ms | beside the reference, ms (reference) | alone, ms |\n| --- | --- | --- | --- |');
  for (const file of args.results.split(',')) {
    const result = readSearchResult(file);
    const { space } = result;
    const reference = subnetGraph(runtime, space, referenceConfig(space));
    for (const minSampleMs of sampleMs) {
      const sampler = { ...kDefaultSampler, minSampleMs };
      const beside: number[] = [];
      const refs: number[] = [];
      const alone: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const m = await measureSubnet(runtime, space, 'fp32', result.best.config, sampler, undefined, reference);
        beside.push(m.ms);
        refs.push(m.refMs ?? Number.NaN);
        alone.push((await measureSubnet(runtime, space, 'fp32', result.best.config, sampler)).ms);
      }
      console.log(`| ${file} | ${minSampleMs} | ${median(beside).toFixed(4)} (${median(refs).toFixed(4)}) | ${median(alone).toFixed(4)} |`);
    }
  }
} catch (err) {
  fail(kName, err);
}
