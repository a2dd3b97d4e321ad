/**
 * Does an exported, trained model run as fast as the random-weight bench graph a latency profile
 * timed for the same config? Times the two back to back on ort-cpu with the measurement
 * harness, in alternating rounds, so that the machine's drift over time shows as the spread
 * between rounds rather than as a difference between the models.
 *
 *   npm run build && node dist/bench/exportVsBench.js --model runs/demo/verify/MODEL.onnx
 *     [--config largest|FILE] [--threads 1] [--rounds 3]
 *
 * --model must be the export of --config (fp32: no bits; QDQ int8 when the config has bits).
 */
import { measureLatency, withMeasurementLock, type Measurement } from '../profiling/measure.js';
import { createSession } from '../profiling/ort.js';
import { benchGraph } from '../profiling/benchGraph.js';
import { benchInput } from '../profiling/benchRuntime.js';
import { toOnnx } from '../supernet/export/onnx/toOnnx.js';
import { initBackend } from '../supernet/backend/backend.js';
import { resolveConfig } from '../supernet/io.js';
import { fashionMbv3 } from '../space/defaultSpace.js';
import { benchArgs, fail } from './args.js';

const kName = 'bench:export-vs-bench';
const args = benchArgs(kName, {
  model: { type: 'string' },
  config: { type: 'string', default: 'largest' },
  threads: { type: 'string', default: '1' },
  rounds: { type: 'string', default: '3' },
});

if (args.model === undefined) fail(kName, 'give --model FILE.onnx (an exported model of --config)');
const threads = Number(args.threads);
const rounds = Number(args.rounds);
if (!Number.isInteger(threads) || threads < 1) fail(kName, `--threads must be a positive integer (got '${args.threads}')`);
if (!Number.isInteger(rounds) || rounds < 1) fail(kName, `--rounds must be a positive integer (got '${args.rounds}')`);

await initBackend({ backend: 'cpu' });
const space = fashionMbv3;
const config = resolveConfig(space, args.config);
const graph = benchGraph(space, config);
const input = benchInput(graph.inputShape);
const dims = [1, ...graph.inputShape];

async function timeModel(model: string | Uint8Array, label: string): Promise<Measurement> {
  const session = await withMeasurementLock(() => createSession(model, { intraOpThreads: threads, optimization: 'all' }));
  try {
    return await measureLatency(() => session.run(input, dims), { runs: 200, threads, label });
  } finally {
    await session.release();
  }
}

const fmt = (m: Measurement) => `${m.medianMs.toFixed(4)} ms (IQR ${m.iqrMs.toFixed(4)})${m.flagged ? ' FLAGGED' : ''}`;
const bench = toOnnx(graph);
console.log(`ort-cpu:${threads}, config ${args.config}: exported ${args.model} vs its bench graph, ${rounds} alternating rounds of 200 timed runs`);
for (let r = 1; r <= rounds; r++) {
  const exported = await timeModel(args.model, 'exported');
  const random = await timeModel(bench, 'bench graph');
  console.log(`round ${r}: exported ${fmt(exported)}, bench graph ${fmt(random)}, ratio ${(exported.medianMs / random.medianMs).toFixed(3)}`);
}
