import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { hwnas } from '../fixtures/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'hwnas-vit-demo-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `hwnas demo` with `args` into a fresh --out: exit 1, one `hwnas:` line matching `message`, nothing written. */
function refused(args: string[], message: RegExp): void {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const r = hwnas(['demo', ...args, '--out', out]);
  assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(existsSync(out), false, `${out} was written`);
}

describe('hwnas demo --space', () => {
  it('refuses a space it ships nothing for, naming the three it does', () => {
    refused(['--space', 'nope'], /^hwnas: --space nope: the demo runs on shipped artifacts, which hwnas has for spaces fashion-hybrid \(models\/training\/fashion-hybrid\.ckpt\), fashion-mbv3 \(models\/supernet\.ckpt\), fashion-vit \(models\/training\/fashion-vit\.ckpt\) only: give one of those/);
    refused(['--space', 'fashion-plain'], /^hwnas: --space fashion-plain: the demo runs on shipped artifacts/);
  });

  it('runs the CNN demo for each shipped CNN space', () => {
    refused(['--space', 'fashion-mbv3', '--target', 'tpu'], /^hwnas: unknown target 'tpu'/);
    refused(['--space', 'fashion-hybrid', '--target', 'tpu'], /^hwnas: unknown target 'tpu'/);
  });

  it('with fashion-vit, refuses the CNN demo\'s options, targets other than ort-cpu and bad values before reading any artifact', () => {
    refused(['--space', 'fashion-vit', '--quant', 'fp32'], /^hwnas: --space fashion-vit is a transformer space: --quant applies to the CNN demo only .*; drop it\n/);
    refused(['--space', 'fashion-vit', '--rerank', '2', '--quant', 'mixed'], /--quant, --rerank apply to the CNN demo only .*; drop them\n/);
    refused(['--space', 'fashion-vit', '--target', 'ort-cpu:1', '--target', 'rpi4'],
      /^hwnas: --target rpi4: SubTransformers are searched and timed on measured targets that run their graphs only \(ort-cpu, tfjs-wasm, tfjs-node\): give such targets, e.g. ort-cpu:1 and ort-cpu:2\n/);
    refused(['--space', 'fashion-vit', '--target', 'ort-cpu:3'], /^hwnas: --target ort-cpu:3: hwnas ships transformer latency profiles of fashion-vit for ort-cpu:1, ort-cpu:2 and tfjs-wasm:1 only: use one of those, or give one of your own with --profile ort-cpu:3=FILE/);
    refused(['--space', 'fashion-vit', '--profile', `ort-cpu:1=${join(dir, 'none.json')}`], /^hwnas: --profile ort-cpu:1=.*none\.json: .*none\.json does not exist/);
    refused(['--space', 'fashion-vit', '--generations', '0'], /^hwnas: --generations must be an integer >= 1 \(got '0'\)/);
    refused(['--space', 'fashion-vit', '--max-latency', '1ms'], /^hwnas: got 2 --target and 1 --max-latency/);
  });
});
