/**
 * The bad-input table: each class of bad input run through the built CLI must end with exit
 * code 1, a message that says what is wrong (matched by regex) and nothing written - the
 * working folder's files, sizes and contents are the same before and after, and no output,
 * temporary sibling, lock or journal appears.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { lockPath } from '../../util/outputLock.js';
import { loadCheckpoint, saveCheckpoint } from '../../supernet/train/checkpoint.js';
import type { TrainMeta } from '../../supernet/train/trainTypes.js';
import { kCliPath as cli } from '../fixtures/cli.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'hwnas-bad-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// Fixtures: a foreign JSON (the shipped predictor), a binary file, a plain file, a folder, a
// finished search folder, a results file without its folder's completion marker, a held lock.
const at = (name: string): string => join(dir, name);
copyFileSync(join(root, 'models/predictors/accuracy-quant.json'), at('predictor.json'));
writeFileSync(at('model.onnx'), Buffer.from([0x08, 0x07, 0x12, 0x0a, 0x68, 0x77, 0x0a, 0x00, 0xff, 0x01]));
writeFileSync(at('afile'), 'not a folder\n');
// A training run paused half-way: the shipped ResNet-8 baseline's checkpoint set back to step 1.
{
  const ck = loadCheckpoint<TrainMeta>(join(root, 'models/baselines/resnet8.ckpt'));
  saveCheckpoint(at('paused.ckpt'), { ...ck.meta, step: 1 }, ck.arrays);
}
mkdirSync(at('folder'));
writeFileSync(at('folder/keep.txt'), 'x');
mkdirSync(at('loose'));
const result = {
  format: 'hwnas-search-result', version: 1, mode: 'budget', target: 'rpi4', unit: 'ms', units: { rpi4: 'ms' }, maxLatency: 1,
  best: { config: { depths: [1, 2], kernels: [3, 5, 3, 3], expands: [2, 3, 2, 2], widths: [1, 0.5] }, accuracy: 0.8, latency: 0.5, latencies: { rpi4: 0.5 } },
  front: [], space: JSON.parse(readFileSync(join(root, 'test/fixtures/microSpace.json'), 'utf8')), checkpoint: null, predictor: '/p.json', quant: 'fp32',
};
writeFileSync(at('loose/search-rpi4.json'), JSON.stringify(result));
mkdirSync(at('done'));
writeFileSync(at('done/search-rpi4.json'), JSON.stringify(result));
writeFileSync(at('done/search-complete.json'), JSON.stringify({ format: 'hwnas-search-complete', version: 1, files: ['search-rpi4.json'] }));
mkdirSync(at('busy'));
writeFileSync(lockPath(at('busy-out')), `${process.pid}\n`);

const search = ['search', '--target', 'rpi4', '--generations', '1', '--population', '8', '--workers', '1'];
const compress = ['compress', '--target', 'ort-cpu:1', '--max-latency', '0.1ms'];
const root0 = process.getuid?.() === 0;

/** [name, argv, expected message]; `null` argv: not applicable on this machine. */
const cases: Array<[string, string[] | null, RegExp]> = [
  ['collect: a foreign JSON file as --out', ['collect', '--n', '1', '--out', at('predictor.json')], /predictor\.json is not an accuracy dataset: its first line is not a sample/],
  ['collect: a binary file as --out', ['collect', '--n', '1', '--out', at('model.onnx')], /model\.onnx is not an accuracy dataset \(it is a binary file\)/],
  ['collect: a folder as --out', ['collect', '--out', at('folder')], /--out .*folder is a folder, not a file/],
  ['collect: --n 0', ['collect', '--n', '0', '--out', at('new.jsonl')], /--n must be an integer >= 1 \(got '0'\)/],
  ['collect: --out under /proc', ['collect', '--n', '1', '--out', '/proc/hwnas/data.jsonl'], /--out \/proc\/hwnas\/data\.jsonl is under \/proc, a kernel pseudo-file system/],
  ['collect: --data-dir is a file', ['collect', '--data-dir', at('afile'), '--out', at('new.jsonl')], /afile is a file, not a directory/],
  ['fit: a foreign --data', ['fit', '--data', at('predictor.json'), '--out', at('p.json')], /predictor\.json is not an accuracy dataset/],
  ['fit: --out exists', ['fit', '--data', join(root, 'models/datasets/fp32.jsonl'), '--out', at('afile')], /afile already exists: choose another --out, or pass --force/],
  ['search: --out is a file', [...search, '--max-latency', '1ms', '--out', at('afile')], /--out .*afile is a file, not a folder/],
  ['search: --out exists without --force', [...search, '--max-latency', '1ms', '--out', at('folder')], /folder already exists: choose another --out, or pass --force to replace it/],
  ['search: --out under a file', [...search, '--max-latency', '1ms', '--out', at('afile/sub')], /cannot be created: .*afile is a file, not a folder/],
  ['search: --out under /sys', [...search, '--max-latency', '1ms', '--out', '/sys/hwnas'], /--out \/sys\/hwnas is under \/sys/],
  ['search: --out in a read-only folder', root0 ? null : [...search, '--max-latency', '1ms', '--out', '/usr/hwnas-search'], /read-only/],
  ['search: a negative budget', [...search, '--max-latency=-1ms', '--out', at('s')], /invalid --max-latency '-1ms' for rpi4: it is negative, and a budget must be positive/],
  ['search: an overflowing budget', [...search, '--max-latency', '1e400ms', '--out', at('s')], /invalid --max-latency '1e400ms' for rpi4: the number is too large/],
  ['search: an infeasible budget', [...search, '--max-latency', '0.01ms', '--out', at('s')], /--max-latency for --target rpi4: no config of the search space meets the budget/],
  ['search: a missing profile', ['search', '--target', 'ort-cpu:3', '--max-latency', '1ms', '--out', at('s')], /profile .*ort-cpu-3\.json does not exist.*pass it with --profile ort-cpu:3=FILE/],
  ['search: --profile without =', [...search, '--max-latency', '1ms', '--profile', 'ort-cpu:1', '--out', at('s')], /--profile 'ort-cpu:1' is not TARGET=FILE/],
  ['search: --out held by another run', [...search, '--max-latency', '1ms', '--force', '--out', at('busy-out')], /busy-out is being written by another hwnas run \(process \d+\)/],
  ['profile: --subnets 6', ['profile', '--target', 'ort-cpu:1', '--subnets', '6', '--out', at('prof.json')], /--subnets 6 is too few: .* give --subnets 28 or more/],
  ['profile: a target that cannot be measured', ['profile', '--target', 'ort-gpu', '--out', at('prof.json')], /target 'ort-gpu' is not a measured target/],
  ['profile: --out under /proc', ['profile', '--target', 'ort-cpu:1', '--out', '/proc/self/prof.json'], /--out \/proc\/self\/prof\.json is under \/proc/],
  ['export: --out exists', ['export', '--config', 'smallest', '--out', at('model.onnx')], /model\.onnx already exists: choose another --out, or pass --force/],
  ['export: tfjs folder --out is a file', ['export', '--config', 'smallest', '--format', 'tfjs', '--force', '--out', at('afile')], /--out .*afile is a file, not a folder/],
  ['eval: --data-dir is a file', ['eval', '--data-dir', at('afile')], /afile is a file, not a directory/],
  ['train: --data-dir is a file', ['train', '--data-dir', at('afile'), '--out', at('t.ckpt')], /afile is a file, not a directory/],
  ['verify: a results file outside a finished search', ['verify', at('loose/search-rpi4.json'), '--out', at('v')], /search-rpi4\.json has no search-complete\.json beside it/],
  ['verify: not a results file', ['verify', join(root, 'test/fixtures/microSpace.json'), '--out', at('v')], /microSpace\.json is not a results file of hwnas search/],
  ['verify: --out is a file', ['verify', at('done/search-rpi4.json'), '--out', at('afile')], /--out .*afile is a file, not a folder/],
  ['demo: --out is a file', ['demo', '--out', at('afile')], /--out .*afile is a file, not a folder/],
  ['profile: --adapt of a transformer profile', ['profile', '--adapt', join(root, 'models/vit/ort-cpu-1.json'), '--out', at('p.json')],
    /--adapt \S+ort-cpu-1\.json: this is a transformer latency profile \(fashion-vit\), and those are re-measured on a new machine, not adapted; measure one on this machine with 'hwnas profile --space fashion-vit --target ort-cpu:1 --out FILE'/],
  ['profile: --refit of a transformer profile', ['profile', '--refit', join(root, 'models/vit/ort-cpu-1.json'), '--out', at('p.json')],
    /--refit \S+ort-cpu-1\.json: this is a transformer latency profile \(fashion-vit\), and its models are fitted when it is measured; measure one/],
  ['demo: --data with a CNN space', ['demo', '--data', at('d'), '--out', at('d2')], /--data \S+: the demo of fashion-hybrid runs its shipped supernet, trained on Fashion-MNIST; for your own data train a supernet on it/],
  ['demo: --quant mixed where no quantization-aware predictor ships', ['demo', '--quant', 'mixed', '--out', at('d')],
    /--quant mixed: hwnas ships no quantization-aware accuracy predictor for fashion-hybrid: run the demo with --quant fp32/],
  ['demo: a negative budget', ['demo', '--target', 'rpi4', '--max-latency=-2ms', '--out', at('d')], /invalid --max-latency '-2ms' for rpi4: it is negative/],
  ['compress: a missing --checkpoint', [...compress, '--checkpoint', at('none.ckpt'), '--out', at('c')], /--checkpoint .*none\.ckpt does not exist: train a network with 'hwnas train --config C/],
  ['compress: a paused training run', [...compress, '--checkpoint', at('paused.ckpt'), '--out', at('c')], /is a training run paused at step \d+\/\d+: finish it/],
  ['compress: a supernet without --config', [...compress, '--checkpoint', join(root, 'models/supernet.ckpt'), '--out', at('c')], /holds a supernet of .* subnets: name the network to compress with --config/],
  ['compress: a target that is not measured', ['compress', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--target', 'rpi4', '--max-latency', '1ms', '--out', at('c')], /--target rpi4 is not a measured target: compression measures latency/],
  ['compress: a negative budget', [...compress.slice(0, -2), '--max-latency=-1ms', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--out', at('c')], /invalid --max-latency '-1ms' for ort-cpu:1: it is negative/],
  ['compress: --evaluations 0', [...compress, '--evaluations', '0', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--out', at('c')], /--evaluations must be an integer >= 1 \(got '0'\)/],
  ['compress: --out is a folder of something else', [...compress, '--force', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--out', at('folder')], /--out .*folder exists and holds no compression \(no settings\.json\): give a new or empty folder/],
  ['compress: --finetune-lr 0', [...compress, '--finetune-lr', '0', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--out', at('c')], /--finetune-lr must be a positive number \(got '0'\)/],
  ['compress: an unknown --method', [...compress, '--method', 'magic', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--out', at('c')], /argument 'magic' is invalid\. Allowed choices are amc, galen, condensa, l1l2, evolution/],
  ['compress: --scheme without condensa', [...compress, '--method', 'amc', '--scheme', 'pruneAll', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--out', at('c')], /--scheme pruneAll sets Condensa's scheme: use it with --method condensa \(got --method amc\)/],
  ['compress: an unknown --scheme', [...compress, '--method', 'condensa', '--scheme', 'magic', '--checkpoint', join(root, 'models/baselines/resnet8.ckpt'), '--out', at('c')], /argument 'magic' is invalid\. Allowed choices are pruneAll, .*depthAndWidthInt8/],
  ['demo: --profile of a target not searched', ['demo', '--target', 'rpi4', '--profile', `ort-cpu:1=${at('afile')}`, '--out', at('d')], /ort-cpu:1 is not one of the --target values \(rpi4\)/],
];

/** Every file and folder under `dir`: path -> size and hash. */
function snapshot(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) {
        out.set(relative(dir, p), 'dir');
        walk(p);
      } else out.set(relative(dir, p), `${st.size}:${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

function runCli(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd: dir, env: { ...process.env, HWNAS_DEBUG: '' }, timeout: 120_000 }, (err, _stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stderr });
    });
  });
}

describe('bad input, every command', () => {
  it(`${cases.length} cases end with exit 1, a clear message and nothing written`, async () => {
    const before = snapshot();
    const failures: string[] = [];
    let applicable = 0;
    // Two at a time: the machine has two cores.
    const queue = cases.filter(([, args]) => args !== null);
    applicable = queue.length;
    const worker = async (): Promise<void> => {
      for (let c = queue.shift(); c !== undefined; c = queue.shift()) {
        const [name, args, message] = c;
        const r = await runCli(args as string[]);
        if (r.code !== 1) failures.push(`${name}: exit ${r.code}\n${r.stderr}`);
        else if (!message.test(r.stderr)) failures.push(`${name}: message ${JSON.stringify(r.stderr)} does not match ${message}`);
        else if (/\bE[A-Z]{3,}\b|\.tmp-\d|\n\s+at /.test(r.stderr)) failures.push(`${name}: errno code, temporary name or stack trace in ${JSON.stringify(r.stderr)}`);
      }
    };
    await Promise.all([worker(), worker()]);
    const afterwards = snapshot();
    assert.deepEqual([...afterwards.entries()].sort(), [...before.entries()].sort(), 'a bad input wrote, changed or removed a file');
    assert.deepEqual(failures, []);
    assert.ok(applicable >= cases.length - 1);
  });
});
