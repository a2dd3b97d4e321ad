/**
 * What timing two onnxruntime sessions in turn does to the second one's time, at 1 and at N
 * intra-op threads: graph A timed back to back (as a deployed model runs), A timed one run right
 * after a run of graph B (as interleaved samples of one run each do), and A timed after B plus
 * `settle` untimed runs of its own. The cases alternate in short blocks, round after round, so
 * that the machine's slow and fast phases hit all of them alike; each case's figure is the
 * median over its blocks.
 *
 *   npm run bench:session-switch -- --a A.onnx --b B.onnx [--threads 1,2] [--rounds 150] [--settle 2]
 */
import { createSession } from '../profiling/ort.js';
import { median } from '../util/stats.js';
import { benchMachine } from './machine.js';
import { benchArgs, fail, intFlag } from './args.js';

const kName = 'bench:session-switch';
const args = benchArgs(kName, {
  a: { type: 'string' },
  b: { type: 'string' },
  threads: { type: 'string', default: '1,2' },
  rounds: { type: 'string', default: '150' },
  settle: { type: 'string', default: '2' },
});

type Run = () => Promise<unknown>;
/** The input of every exported Fashion-MNIST model: one 28x28 grey image, NHWC. */
const kDims: readonly number[] = [1, 28, 28, 1];

async function timed(run: Run): Promise<number> {
  const t0 = process.hrtime.bigint();
  await run();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** The cases, each one block of 20 timed runs of A; resolves to the block's median ms. */
function cases(a: Run, b: Run, settle: number): Record<string, () => Promise<number>> {
  const block = async (before: () => Promise<void>): Promise<number> => {
    const t: number[] = [];
    for (let i = 0; i < 20; i++) {
      await before();
      t.push(await timed(a));
    }
    return median(t);
  };
  return {
    'back to back': async () => {
      for (let i = 0; i < 10; i++) await a();
      return block(async () => undefined);
    },
    'right after B': () => block(async () => void (await b())),
    [`after B, ${settle} untimed runs`]: () => block(async () => {
      await b();
      for (let k = 0; k < settle; k++) await a();
    }),
  };
}

try {
  if (args.a === undefined || args.b === undefined) throw new Error('give --a A.onnx (the graph timed) and --b B.onnx (the graph run in turn with it)');
  const rounds = intFlag('rounds', args.rounds, 1);
  const settle = intFlag('settle', args.settle, 1);
  const threadCounts = args.threads.split(',').map((t) => intFlag('threads', t, 1));
  console.log(`machine: ${benchMachine()}`);
  console.log(`A = ${args.a}, B = ${args.b}; ${rounds} rounds of 20-run blocks per case\n`);
  console.log('| threads | case | A median ms | vs back to back |\n| --- | --- | --- | --- |');
  for (const threads of threadCounts) {
    const sa = await createSession(args.a, { intraOpThreads: threads, optimization: 'all' });
    const sb = await createSession(args.b, { intraOpThreads: threads, optimization: 'all' });
    try {
      const x = new Float32Array(kDims.reduce((p, d) => p * d, 1));
      const a: Run = () => sa.run(x, kDims);
      const b: Run = () => sb.run(x, kDims);
      for (let i = 0; i < 30; i++) {
        await a();
        await b();
      }
      const c = cases(a, b, settle);
      const names = Object.keys(c);
      const blocks: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
      for (let r = 0; r < rounds; r++) {
        for (let k = 0; k < names.length; k++) {
          const name = names[(k + r) % names.length];
          blocks[name].push(await c[name]());
        }
      }
      const base = median(blocks[names[0]]);
      for (const name of names) {
        const m = median(blocks[name]);
        console.log(`| ${threads} | ${name} | ${m.toFixed(4)} | ${(m / base).toFixed(2)}x |`);
      }
    } finally {
      await sa.release();
      await sb.release();
    }
  }
} catch (err) {
  fail(kName, err);
}
