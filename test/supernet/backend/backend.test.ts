import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { afterEach, describe, it } from 'node:test';
import { tf } from '../../../supernet/backend/tf.js';
import { BACKEND_NAMES, backendInfo, initBackend, resolveBackendChoice } from '../../../supernet/backend/backend.js';

function tfjsNodeInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

describe('initBackend', () => {
  const saved = process.env.HWNAS_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.HWNAS_BACKEND;
    else process.env.HWNAS_BACKEND = saved;
  });

  it('lists the backend names', () => {
    assert.deepEqual([...BACKEND_NAMES], ['node', 'wasm', 'cpu']);
  });

  it('takes the option first, then HWNAS_BACKEND, then auto', () => {
    process.env.HWNAS_BACKEND = 'cpu';
    assert.equal(resolveBackendChoice({ backend: 'wasm' }), 'wasm');
    assert.equal(resolveBackendChoice({}), 'cpu');
    delete process.env.HWNAS_BACKEND;
    assert.equal(resolveBackendChoice({}), 'auto');
  });

  it('rejects an invalid HWNAS_BACKEND, listing the valid values', async () => {
    process.env.HWNAS_BACKEND = 'gpu';
    await assert.rejects(initBackend(), /HWNAS_BACKEND must be one of node, wasm, cpu, auto \(got 'gpu'\)/);
  });

  it('rejects a bad thread count', async () => {
    await assert.rejects(initBackend({ backend: 'wasm', threads: 0 }), /options\.threads must be a positive integer \(got 0\)/);
  });

  it('initialises wasm with one thread and is idempotent', async () => {
    const info = await initBackend({ backend: 'wasm' });
    assert.deepEqual({ name: info.name, threads: info.threads }, { name: 'wasm', threads: 1 });
    assert.match(info.version, /^\d+\.\d+\.\d+/);
    assert.equal(tf.getBackend(), 'wasm');
    assert.equal(await initBackend({ backend: 'wasm' }), info);
    assert.equal(backendInfo(), info);
  });

  it('re-initialises on a different choice and back', async () => {
    const cpu = await initBackend({ backend: 'cpu' });
    assert.equal(cpu.name, 'cpu');
    assert.equal(tf.getBackend(), 'cpu');
    const wasm = await initBackend({ backend: 'wasm' });
    assert.equal(wasm.name, 'wasm');
    assert.equal(tf.getBackend(), 'wasm');
  });

  it('auto picks tfjs-node when it loads, else wasm', async () => {
    const info = await initBackend({ backend: 'auto' });
    assert.equal(info.name, tfjsNodeInstalled() ? 'node' : 'wasm');
  });

  it('names the cause and the fix when tfjs-node is requested but missing', { skip: tfjsNodeInstalled() }, async () => {
    await assert.rejects(
      initBackend({ backend: 'node' }),
      /tfjs-node is not installed: npm install @tensorflow\/tfjs-node .*or use --backend wasm/,
    );
  });
});
