/**
 * Backend selection and custom kernel registration for TensorFlow.js: the only module that
 * loads a backend package. Choice order: `options.backend` > env `HWNAS_BACKEND` > 'auto'
 * ('auto' = tfjs-node when it is installed and loads, else wasm).
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { tf } from './tf.js';
import { registerProjectKernels } from './kernels/index.js';

export const BACKEND_NAMES = Object.freeze(['node', 'wasm', 'cpu'] as const);
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendOptions {
  /** Backend to use; default: env HWNAS_BACKEND, else 'auto'. */
  backend?: BackendName | 'auto';
  /**
   * Threads for the backend's own thread pool (wasm: `setThreadsCount`, node: intra-op threads
   * when set before tfjs-node loads). Default 1 for wasm; the machine's cores for node.
   */
  threads?: number;
}

export interface BackendInfo {
  name: BackendName;
  threads: number;
  version: string;
}

/** tfjs's registry name for each of our backend names. */
const TF_NAMES: Readonly<Record<BackendName, string>> = Object.freeze({
  node: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
});

const require = createRequire(import.meta.url);
let current: { choice: string; threads: number | undefined; info: BackendInfo } | undefined;
let wasmModule: typeof import('@tensorflow/tfjs-backend-wasm') | undefined;
/** Threads the wasm backend instance was (or will be) created with. */
let wasmThreads: number | undefined;

/** Resolves the requested backend name from options and the environment; throws on bad names. */
export function resolveBackendChoice(options: BackendOptions = {}): BackendName | 'auto' {
  const raw = options.backend ?? process.env.HWNAS_BACKEND ?? 'auto';
  const valid = [...BACKEND_NAMES, 'auto'];
  if (!valid.includes(raw)) {
    const where = options.backend !== undefined ? 'options.backend' : 'HWNAS_BACKEND';
    throw new Error(`${where} must be one of ${valid.join(', ')} (got '${raw}')`);
  }
  return raw as BackendName | 'auto';
}

/**
 * Selects and initialises a tfjs backend. Idempotent: a second call with the same choice
 * returns the same info; a different choice re-initialises. Rejects with a message naming
 * the cause and the fix when an explicitly requested backend cannot load.
 */
export async function initBackend(options: BackendOptions = {}): Promise<BackendInfo> {
  const choice = resolveBackendChoice(options);
  registerProjectKernels();
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads > 0)) {
    throw new Error(`options.threads must be a positive integer (got ${options.threads})`);
  }
  if (current && current.choice === choice && current.threads === options.threads
    && tf.getBackend() === TF_NAMES[current.info.name]) {
    return current.info;
  }
  let info: BackendInfo;
  if (choice === 'auto') {
    info = (await tryNode(options.threads)) ?? (await initWasm(options.threads));
  } else if (choice === 'node') {
    const loaded = await tryNode(options.threads, true);
    if (!loaded) throw new Error('unreachable: tfjs-node failed without an error');
    info = loaded;
  } else if (choice === 'wasm') {
    info = await initWasm(options.threads);
  } else {
    info = await initCpu();
  }
  current = { choice, threads: options.threads, info };
  return info;
}

/** The active backend's info, or undefined before `initBackend`. */
export function backendInfo(): BackendInfo | undefined {
  return current?.info;
}

async function tryNode(threads: number | undefined, required = false): Promise<BackendInfo | undefined> {
  if (threads !== undefined && process.env.TF_NUM_INTRAOP_THREADS === undefined) {
    process.env.TF_NUM_INTRAOP_THREADS = String(threads);
  }
  let version: string;
  try {
    // A variable specifier keeps the optional dependency out of the type checker's reach.
    const specifier = '@tensorflow/tfjs-node';
    type Versions = { version?: { 'tfjs-node'?: string } };
    const mod = (await import(specifier)) as Versions & { default?: Versions };
    version = (mod.version ?? mod.default?.version)?.['tfjs-node'] ?? 'unknown';
  } catch (err) {
    if (!required) return undefined;
    const cause = err instanceof Error ? err.message.split('\n')[0] : String(err);
    const missing = /Cannot find (module|package)/.test(cause);
    throw new Error(
      (missing ? 'tfjs-node is not installed' : `tfjs-node failed to load (${cause})`) +
        ': npm install @tensorflow/tfjs-node (needs internet for libtensorflow), or use --backend wasm',
    );
  }
  const ok = await tf.setBackend(TF_NAMES.node);
  if (!ok) {
    if (!required) return undefined;
    throw new Error('tfjs-node loaded but its backend failed to initialise: use --backend wasm');
  }
  await tf.ready();
  return { name: 'node', threads: threads ?? os.cpus().length, version };
}

async function initWasm(threads = 1): Promise<BackendInfo> {
  let wasm = wasmModule;
  if (!wasm) {
    try {
      wasm = await import('@tensorflow/tfjs-backend-wasm');
    } catch (err) {
      throw new Error(`tfjs-backend-wasm failed to load (${(err as Error).message}): run npm install`);
    }
    const distDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm'));
    wasm.setWasmPaths(distDir + path.sep);
    wasmModule = wasm;
    // The package registered its own kernels on import: put ours back on top.
    registerProjectKernels();
  }
  if (tf.engine().registry.wasm && wasmThreads !== threads) {
    // The thread pool is fixed when the backend is created: re-create it.
    const factory = tf.findBackendFactory('wasm');
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', factory, 2);
  }
  wasm.setThreadsCount(threads);
  wasmThreads = threads;
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } catch (err) {
    throw new Error(`wasm backend failed to initialise (${(err as Error).message})`);
  }
  if (!ok) throw new Error('wasm backend failed to initialise: check that the .wasm files exist in ' +
    path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')));
  await tf.ready();
  return { name: 'wasm', threads: wasm.getThreadsCount(), version: wasm.version_wasm };
}

async function initCpu(): Promise<BackendInfo> {
  await tf.setBackend('cpu');
  await tf.ready();
  return { name: 'cpu', threads: 1, version: tf.version_core };
}
