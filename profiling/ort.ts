/**
 * The one adapter to onnxruntime-node: every ONNX session in hwnas is created here, so thread
 * counts, graph optimisation and session caching are decided in one place.
 *
 * `cachedSession` keeps one session per (model, options) - a path, or bytes identified by their
 * SHA-256 - because creating a session (graph optimisation, weight prepacking) costs far more than
 * a small model's inference. Sessions run one float32 input and return the first output.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';

export const ORT_OPTIMIZATION_LEVELS = Object.freeze(['disabled', 'basic', 'extended', 'all'] as const);
export type OrtOptimizationLevel = (typeof ORT_OPTIMIZATION_LEVELS)[number];

export interface OrtSessionOptions {
  /** Threads of the intra-op pool (one operator's work); 1 for single-thread latency. */
  intraOpThreads?: number;
  /** Graph optimisation level; 'all' enables the QDQ -> int8 kernel fusions. */
  optimization?: OrtOptimizationLevel;
  /** Where onnxruntime writes the optimised graph (for inspecting which kernels run); '' = nowhere. */
  optimizedModelPath?: string;
  /** Path prefix of onnxruntime's per-kernel profile (read it with `endProfile`); '' = no profiling. */
  profilePrefix?: string;
}

/** Kernel time per operator type from an onnxruntime profile. */
export interface OpProfile {
  file: string;
  /** Total kernel microseconds per operator type (e.g. QLinearConv), over every profiled run. */
  microsByOp: Record<string, number>;
}

export const kDefaultOrtSessionOptions: Required<OrtSessionOptions> = Object.freeze({
  intraOpThreads: 1,
  optimization: 'all',
  optimizedModelPath: '',
  profilePrefix: '',
});

function resolveOptions(options: OrtSessionOptions): Required<OrtSessionOptions> {
  const o = { ...kDefaultOrtSessionOptions, ...options };
  if (!Number.isInteger(o.intraOpThreads) || o.intraOpThreads < 1) {
    throw new RangeError(`options.intraOpThreads must be a positive integer (got ${o.intraOpThreads})`);
  }
  if (!ORT_OPTIMIZATION_LEVELS.includes(o.optimization)) {
    throw new RangeError(`options.optimization must be one of ${ORT_OPTIMIZATION_LEVELS.join(', ')} (got '${o.optimization}')`);
  }
  return o;
}

/** A loaded model with one float32 input. */
export class OrtSession {
  readonly inputName: string;
  readonly outputName: string;
  readonly options: Readonly<Required<OrtSessionOptions>>;
  private readonly session: ort.InferenceSession;

  constructor(session: ort.InferenceSession, options: Required<OrtSessionOptions>) {
    if (session.inputNames.length !== 1) {
      throw new Error(`expected a model with one input, got ${session.inputNames.length} (${session.inputNames.join(', ')})`);
    }
    this.session = session;
    this.inputName = session.inputNames[0];
    this.outputName = session.outputNames[0];
    this.options = Object.freeze({ ...options });
  }

  /** Runs a batch (`data` laid out as `dims`, e.g. `[N,28,28,1]`) and returns the first output. */
  async run(data: Float32Array, dims: readonly number[]): Promise<Float32Array> {
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== data.length) throw new Error(`input of ${data.length} values does not match dims [${dims.join(', ')}] (${size} values)`);
    const input = new ort.Tensor('float32', data, dims);
    const out = await this.session.run({ [this.inputName]: input });
    const y = out[this.outputName];
    if (y.type !== 'float32') throw new Error(`output ${this.outputName} is ${y.type}, expected float32`);
    return y.data as Float32Array;
  }

  /** Runs `data` (`dims`, batch first) in batches of at most `batchSize` and concatenates the outputs. */
  async runBatched(data: Float32Array, dims: readonly number[], batchSize: number): Promise<Float32Array> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer (got ${batchSize})`);
    const [n, ...rest] = dims;
    const per = rest.reduce((a, b) => a * b, 1);
    const parts: Float32Array[] = [];
    for (let start = 0; start < n; start += batchSize) {
      const m = Math.min(batchSize, n - start);
      parts.push(await this.run(data.subarray(start * per, (start + m) * per), [m, ...rest]));
    }
    const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
    let offset = 0;
    for (const p of parts) {
      out.set(p, offset);
      offset += p.length;
    }
    return out;
  }

  /** Stops profiling (option `profilePrefix`) and sums the kernel time of each operator type. */
  endProfile(): OpProfile {
    const prefix = this.options.profilePrefix;
    if (!prefix) throw new Error('the session was created without options.profilePrefix: nothing was profiled');
    this.session.endProfiling();
    const dir = dirname(resolve(prefix));
    const files = readdirSync(dir).filter((f) => f.startsWith(`${basename(prefix)}_`) && f.endsWith('.json')).sort();
    if (files.length === 0) throw new Error(`onnxruntime wrote no profile ${prefix}_*.json`);
    const file = join(dir, files[files.length - 1]);
    const events = JSON.parse(readFileSync(file, 'utf8')) as Array<{ cat?: string; name?: string; dur?: number; args?: { op_name?: string } }>;
    const microsByOp: Record<string, number> = {};
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name?.endsWith('_kernel_time') || !e.args?.op_name) continue;
      microsByOp[e.args.op_name] = (microsByOp[e.args.op_name] ?? 0) + (e.dur ?? 0);
    }
    return { file, microsByOp };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** A new session for a model file (path) or its bytes. Rejects when onnxruntime refuses the model. */
export async function createSession(model: string | Uint8Array, options: OrtSessionOptions = {}): Promise<OrtSession> {
  const o = resolveOptions(options);
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: o.intraOpThreads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: o.optimization,
    logSeverityLevel: 3,
  };
  if (o.optimizedModelPath) sessionOptions.optimizedModelFilePath = o.optimizedModelPath;
  if (o.profilePrefix) {
    sessionOptions.enableProfiling = true;
    sessionOptions.profileFilePrefix = o.profilePrefix;
  }
  const what = typeof model === 'string' ? model : `${model.length}-byte model`;
  let session: ort.InferenceSession;
  try {
    session = typeof model === 'string'
      ? await ort.InferenceSession.create(model, sessionOptions)
      : await ort.InferenceSession.create(model, sessionOptions);
  } catch (err) {
    throw new Error(`onnxruntime could not load ${what}: ${(err as Error).message}`, { cause: err });
  }
  return new OrtSession(session, o);
}

/** Version of the onnxruntime-node package in use (recorded with measurements). */
export function ortVersion(): string {
  return ort.env.versions.node ?? ort.env.versions.common;
}

const cache = new Map<string, Promise<OrtSession>>();

function cacheKey(model: string | Uint8Array, o: Required<OrtSessionOptions>): string {
  const id = typeof model === 'string' ? `path:${resolve(model)}` : `sha256:${createHash('sha256').update(model).digest('hex')}`;
  return `${id}|${o.intraOpThreads}|${o.optimization}|${o.optimizedModelPath}|${o.profilePrefix}`;
}

/**
 * The session for (model, options), created on first use and shared afterwards. A path is
 * cached by name: call `releaseCachedSessions` after rewriting the file.
 */
export function cachedSession(model: string | Uint8Array, options: OrtSessionOptions = {}): Promise<OrtSession> {
  const key = cacheKey(model, resolveOptions(options));
  let entry = cache.get(key);
  if (!entry) {
    entry = createSession(model, options);
    cache.set(key, entry);
    entry.catch(() => cache.delete(key));
  }
  return entry;
}

/** Releases every cached session. */
export async function releaseCachedSessions(): Promise<void> {
  const entries = [...cache.values()];
  cache.clear();
  for (const entry of entries) {
    try {
      await (await entry).release();
    } catch {
      // A session that failed to load has nothing to release.
    }
  }
}
