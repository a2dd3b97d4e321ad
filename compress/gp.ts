/**
 * Gaussian-process regression for the few (10-30) expensive samples of a compression search.
 *
 * Zero-mean GP on standardised targets (y minus its mean, over its standard deviation) with an
 * isotropic RBF or Matern-5/2 kernel. The hyperparameters are fitted by maximising the log
 * marginal likelihood: the signal variance in closed form (for a fixed length scale and noise
 * ratio the best one is y'K0^-1 y / n), the noise ratio over a small grid, and the length scale
 * over a log-spaced grid refined by golden-section search. Linear algebra is a Cholesky
 * factorisation in Float64Array; n is small, so O(n^3) per fit candidate is nothing.
 *
 * No npm package was used: the registry has no maintained GP regression library for Node
 * (only kriging.js for 2-D spatial interpolation and single-kernel helpers such as
 * ml-kernel-gaussian).
 */

/** Diagonal jitters tried in turn when a matrix is not numerically positive definite. */
const kJitters = Object.freeze([0, 1e-10, 1e-8, 1e-6, 1e-4]);

/**
 * Lower Cholesky factor (row-major) of the symmetric n x n row-major `m`, which is left as it
 * is. A matrix that is not numerically positive definite gets a growing diagonal jitter (up to
 * 1e-4), then a RangeError.
 */
export function cholesky(m: Float64Array, n: number): Float64Array {
  for (const jitter of kJitters) {
    const l = new Float64Array(n * n);
    let ok = true;
    for (let j = 0; j < n && ok; j++) {
      let d = m[j * n + j] + jitter;
      for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
      if (!(d > 0)) {
        ok = false;
        break;
      }
      const djj = Math.sqrt(d);
      l[j * n + j] = djj;
      for (let i = j + 1; i < n; i++) {
        let s = m[i * n + j];
        for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
        l[i * n + j] = s / djj;
      }
    }
    if (ok) return l;
  }
  throw new RangeError(`cholesky: the ${n}x${n} kernel matrix is not positive definite even with diagonal jitter 1e-4: are two points repeated with different targets? Raise the noise ratio`);
}

/** Solves (L L') v = b for the Cholesky factor `l` of an n x n matrix. */
export function cholSolve(l: Float64Array, n: number, b: ArrayLike<number>): Float64Array {
  const v = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = v[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * v[k];
    v[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = v[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * v[k];
    v[i] = s / l[i * n + i];
  }
  return v;
}

export type KernelName = 'rbf' | 'matern52';

export interface GpOptions {
  kernel?: KernelName;
  /** Length scales tried (in input units; inputs usually lie in [0, 1]^d), ascending. */
  lengthScales?: readonly number[];
  /** Noise variance as a fraction of the signal variance, tried in turn. */
  noiseRatios?: readonly number[];
}

export const kDefaultGpOptions: Readonly<Required<GpOptions>> = Object.freeze({
  kernel: 'matern52',
  lengthScales: Object.freeze(Array.from({ length: 25 }, (_, i) => 0.02 * 250 ** (i / 24))),
  noiseRatios: Object.freeze([1e-8, 1e-4, 1e-2, 1e-1]),
});

/** Fitted hyperparameters (targets standardised: variances are in units of the targets' variance). */
export interface GpHyper {
  kernel: KernelName;
  lengthScale: number;
  signalVariance: number;
  noiseRatio: number;
}

function kernelOf(name: KernelName): (r: number, l: number) => number {
  if (name === 'rbf') return (r, l) => Math.exp((-0.5 * r * r) / (l * l));
  if (name === 'matern52') {
    return (r, l) => {
      const s = (Math.sqrt(5) * r) / l;
      return (1 + s + (s * s) / 3) * Math.exp(-s);
    };
  }
  throw new RangeError(`GP kernel must be 'rbf' or 'matern52' (got ${String(name)})`);
}

function distance(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return Math.sqrt(s);
}

/** Unit-variance kernel matrix plus the noise ratio on the diagonal, row-major. */
function gram(x: readonly (readonly number[])[], k: (r: number, l: number) => number, l: number, noise: number): Float64Array {
  const n = x.length;
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    m[i * n + i] = 1 + noise;
    for (let j = 0; j < i; j++) m[i * n + j] = m[j * n + i] = k(distance(x[i], x[j]), l);
  }
  return m;
}

interface Fit {
  hyper: GpHyper;
  lml: number;
  chol: Float64Array;
  alpha: Float64Array;
}

/** Profiled log marginal likelihood of standardised targets `z` at (length scale, noise ratio). */
function fitAt(x: readonly (readonly number[])[], z: Float64Array, kernel: KernelName, l: number, noise: number): Fit {
  const n = z.length;
  const chol = cholesky(gram(x, kernelOf(kernel), l, noise), n);
  const a0 = cholSolve(chol, n, z);
  let quad = 0;
  for (let i = 0; i < n; i++) quad += z[i] * a0[i];
  const signalVariance = Math.max(quad / n, 1e-12);
  let logDet = 0;
  for (let i = 0; i < n; i++) logDet += 2 * Math.log(chol[i * n + i]);
  // K = s K0: log|K| = n log s + log|K0|, z'K^-1 z = quad / s = n.
  const lml = -0.5 * n - 0.5 * (n * Math.log(signalVariance) + logDet) - 0.5 * n * Math.log(2 * Math.PI);
  const alpha = a0.map((v) => v / signalVariance);
  return { hyper: { kernel, lengthScale: l, signalVariance, noiseRatio: noise }, lml, chol, alpha };
}

export interface GpPrediction {
  mean: Float64Array;
  /** Variance of the latent function (noise excluded), in the targets' units squared. */
  variance: Float64Array;
}

export class GaussianProcess {
  private constructor(
    private readonly x: readonly (readonly number[])[],
    private readonly yMean: number,
    private readonly yScale: number,
    private readonly fit: Fit,
  ) {}

  get hyper(): GpHyper {
    return { ...this.fit.hyper };
  }

  /** Log marginal likelihood of the standardised targets at the fitted hyperparameters. */
  get logMarginalLikelihood(): number {
    return this.fit.lml;
  }

  /**
   * Fits a GP to points `x` (all of one dimension) and targets `y`, choosing the
   * hyperparameters of largest log marginal likelihood among `options`.
   */
  static fit(x: readonly (readonly number[])[], y: readonly number[], options: GpOptions = {}): GaussianProcess {
    const o: Required<GpOptions> = { ...kDefaultGpOptions, ...options };
    kernelOf(o.kernel);
    if (x.length === 0 || x.length !== y.length) {
      throw new RangeError(`GaussianProcess.fit needs as many targets as points, at least one (got ${x.length} points, ${y.length} targets)`);
    }
    if (x.some((p) => p.length !== x[0].length) || y.some((v) => !Number.isFinite(v))) {
      throw new RangeError('GaussianProcess.fit needs points of one dimension and finite targets');
    }
    if (o.lengthScales.length === 0 || o.lengthScales.some((l) => !(l > 0))) {
      throw new RangeError(`options.lengthScales must be a non-empty list of positive numbers (got [${o.lengthScales.join(', ')}])`);
    }
    if (o.noiseRatios.length === 0 || o.noiseRatios.some((r) => !(r > 0))) {
      throw new RangeError(`options.noiseRatios must be a non-empty list of positive numbers (got [${o.noiseRatios.join(', ')}])`);
    }
    const n = y.length;
    const yMean = y.reduce((s, v) => s + v, 0) / n;
    const sd = Math.sqrt(y.reduce((s, v) => s + (v - yMean) ** 2, 0) / n);
    const yScale = sd > 1e-12 ? sd : 1;
    const z = Float64Array.from(y, (v) => (v - yMean) / yScale);
    let best: Fit | undefined;
    for (const noise of o.noiseRatios) {
      for (const l of o.lengthScales) {
        const f = fitAt(x, z, o.kernel, l, noise);
        if (!best || f.lml > best.lml) best = f;
      }
    }
    best = refine(x, z, o, best!);
    return new GaussianProcess(x.map((p) => [...p]), yMean, yScale, best);
  }

  /** Predictive mean and latent variance at each of `points`, in the targets' units. */
  predict(points: readonly (readonly number[])[]): GpPrediction {
    const { x, fit } = this;
    const n = x.length;
    const k = kernelOf(fit.hyper.kernel);
    const { lengthScale: l, signalVariance: s } = fit.hyper;
    const mean = new Float64Array(points.length);
    const variance = new Float64Array(points.length);
    const ks = new Float64Array(n);
    points.forEach((p, j) => {
      if (p.length !== x[0].length) throw new RangeError(`GaussianProcess.predict: point ${j} has dimension ${p.length}, the fit ${x[0].length}`);
      let m = 0;
      for (let i = 0; i < n; i++) {
        ks[i] = s * k(distance(p, x[i]), l);
        m += ks[i] * fit.alpha[i];
      }
      const v = cholSolve(fit.chol, n, ks);
      let q = 0;
      for (let i = 0; i < n; i++) q += ks[i] * v[i];
      mean[j] = this.yMean + this.yScale * m;
      variance[j] = Math.max(s - q / s, 0) * this.yScale * this.yScale;
    });
    return { mean, variance };
  }
}

/** Golden-section search on log length scale between the best grid point's neighbours. */
function refine(x: readonly (readonly number[])[], z: Float64Array, o: Required<GpOptions>, best: Fit): Fit {
  const ls = o.lengthScales;
  const i = ls.indexOf(best.hyper.lengthScale);
  if (ls.length < 3) return best;
  let lo = Math.log(ls[Math.max(i - 1, 0)]);
  let hi = Math.log(ls[Math.min(i + 1, ls.length - 1)]);
  const g = (Math.sqrt(5) - 1) / 2;
  const at = (t: number): Fit => fitAt(x, z, o.kernel, Math.exp(t), best.hyper.noiseRatio);
  for (let step = 0; step < 20; step++) {
    const a = hi - g * (hi - lo);
    const b = lo + g * (hi - lo);
    if (at(a).lml > at(b).lml) hi = b;
    else lo = a;
  }
  const f = at((lo + hi) / 2);
  return f.lml > best.lml ? f : best;
}
