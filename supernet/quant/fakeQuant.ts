/**
 * The quantization arithmetic shared by the tfjs simulation and the ONNX QDQ export, so both
 * compute on the same grids:
 * - weights: symmetric, per output channel, b bits on the grid [-(2^(b-1)-1), 2^(b-1)-1]
 *   (zero point 0; bits below 8 are stored in int8 containers), scale = max|w| / (2^(b-1)-1);
 * - activations: asymmetric, per tensor, uint8 [0, 255] with a zero point (the format
 *   onnxruntime's x86 int8 kernels take: its QDQ fusions need uint8 activations there);
 * - biases of convolutions with quantized input and weights: int32 at scale s_x * s_w[c].
 * Scales are float32, as stored in the ONNX file. Rounding is half to even, like
 * QuantizeLinear.
 */
import { tf } from '../backend/tf.js';
import type { Tensor } from '../backend/tf.js';

export const kActQMin = 0;
export const kActQMax = 255;

/** Per-tensor uint8 activation quantization: q = clamp(round(x / scale) + zeroPoint, 0, 255). */
export interface ActQuant {
  /** float32 value. */
  scale: number;
  /** Integer in [0, 255]. */
  zeroPoint: number;
}

/** Symmetric per-channel weights on a b-bit grid. */
export interface WeightQuant {
  bits: number;
  /** Integer values in [-(2^(bits-1)-1), 2^(bits-1)-1], same layout as the float weight. */
  q: Int8Array;
  /** One float32 scale per output channel. */
  scales: Float32Array;
}

/** int32 bias at scale inputScale * weightScale[c]. */
export interface BiasQuant {
  q: Int32Array;
  scales: Float32Array;
}

/** Round half to even (as QuantizeLinear and tf.round do). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * uint8 parameters covering [min, max] widened to include 0 (so zero is exact, and a range
 * starting at 0 - after ReLU - gets zero point 0).
 */
export function actQuantParams(min: number, max: number): ActQuant {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new RangeError(`activation range must be finite with min <= max (got [${min}, ${max}])`);
  }
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const scale = Math.fround(hi - lo > 1e-12 ? (hi - lo) / (kActQMax - kActQMin) : 1);
  const zeroPoint = Math.min(kActQMax, Math.max(kActQMin, roundHalfEven(kActQMin - lo / scale)));
  return { scale, zeroPoint };
}

/** Fake-quantizes `x` on the uint8 grid `qp` (quantize, then dequantize). Call inside `tf.tidy`. */
export function fakeQuant<T extends Tensor>(x: T, qp: ActQuant): T {
  const q = tf.clipByValue(tf.add(tf.round(tf.div(x, qp.scale)), qp.zeroPoint), kActQMin, kActQMax);
  return tf.mul(tf.sub(q, qp.zeroPoint), qp.scale) as T;
}

/** Element count of each slice along `axis` and the stride of `axis`. */
function axisLayout(shape: readonly number[], axis: number): { channels: number; inner: number } {
  if (!Number.isInteger(axis) || axis < 0 || axis >= shape.length) {
    throw new RangeError(`axis ${axis} is out of range for shape [${shape.join(', ')}]`);
  }
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i];
  return { channels: shape[axis], inner };
}

/**
 * Symmetric per-channel quantization of `values` (laid out as `shape`) along output-channel
 * `axis` at `bits` (2..8). Returns the integer grid and the dequantized float32
 * values (q * scale, exactly what DequantizeLinear computes).
 */
export function quantizeWeight(values: Float32Array, shape: readonly number[], axis: number, bits: number): { quant: WeightQuant; dequantized: Float32Array } {
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new RangeError(`weight bits must be an integer in [2, 8] (got ${bits})`);
  const { channels, inner } = axisLayout(shape, axis);
  const qmax = 2 ** (bits - 1) - 1;
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < values.length; i++) {
    const c = Math.floor(i / inner) % channels;
    maxAbs[c] = Math.max(maxAbs[c], Math.abs(values[i]));
  }
  const scales = Float32Array.from(maxAbs, (m) => (m > 0 ? m / qmax : 1));
  const q = new Int8Array(values.length);
  const dequantized = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const s = scales[Math.floor(i / inner) % channels];
    const v = Math.min(qmax, Math.max(-qmax, roundHalfEven(values[i] / s)));
    q[i] = v;
    dequantized[i] = Math.fround(v * s);
  }
  return { quant: { bits, q, scales }, dequantized };
}

/** int32 bias for a convolution with input scale `inputScale` and per-channel `weightScales`. */
export function quantizeBias(bias: Float32Array, inputScale: number, weightScales: Float32Array): { quant: BiasQuant; dequantized: Float32Array } {
  if (bias.length !== weightScales.length) throw new Error(`bias has ${bias.length} channels but the weight has ${weightScales.length}`);
  const scales = Float32Array.from(weightScales, (s) => Math.fround(inputScale * s));
  const limit = 2 ** 31 - 1;
  const q = Int32Array.from(bias, (b, c) => Math.min(limit, Math.max(-limit, roundHalfEven(b / scales[c]))));
  const dequantized = Float32Array.from(q, (v, c) => Math.fround(v * scales[c]));
  return { quant: { q, scales }, dequantized };
}

