/**
 * Float32 arrays in JSON files, exactly and compactly: base64 of their little-endian bytes
 * (5.3 characters a value, against ~20 for the decimal text of a float32 widened to a double).
 * Two spellings share the codec: a bare string whose length the file states elsewhere (the
 * accuracy predictor files' `weights` and `bias`, sized by `inputs` and `outputs`), and a tagged
 * array that states its own shape (the transformer latency profiles' MLP):
 *   { "dtype": "float32", "shape": [I, O], "base64": "..." }     row-major
 * Decoding checks the payload - base64 alphabet and padding, exactly the bytes the length or
 * shape needs, finite values - and throws naming the field (`what`); the caller adds the file.
 */

/** A float32 array as stored in a file. */
export interface Float32Base64 {
  dtype: 'float32';
  shape: number[];
  base64: string;
}

const kLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Standard base64 (RFC 4648 section 4) with its padding: what Buffer writes. */
const kBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Base64 of the values' little-endian float32 bytes. */
export function float32ToBase64(values: Float32Array): string {
  if (kLittleEndian) return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
  const bytes = Buffer.alloc(values.length * 4);
  values.forEach((v, i) => bytes.writeFloatLE(v, i * 4));
  return bytes.toString('base64');
}

/** The `length` float32 values of `base64`; throws naming `what` unless it holds exactly those, all finite. */
export function float32FromBase64(base64: string, length: number, what: string): Float32Array {
  if (!kBase64.test(base64)) {
    throw new Error(`${what} is not base64 (characters A-Z a-z 0-9 + / in groups of 4, '=' padding): the file is corrupt, write it again`);
  }
  const bytes = Buffer.from(base64, 'base64');
  if (bytes.length !== length * 4) throw new Error(`${what} holds ${bytes.length} bytes, expected ${length * 4} (${length} float32 values)`);
  const out = new Float32Array(length);
  if (kLittleEndian) new Uint8Array(out.buffer).set(bytes);
  else for (let i = 0; i < length; i++) out[i] = bytes.readFloatLE(i * 4);
  for (let i = 0; i < length; i++) {
    if (!Number.isFinite(out[i])) throw new Error(`${what}[${i}] is ${out[i]}: the weights were saved from a diverged training run`);
  }
  return out;
}

function elements(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** The tagged form of `values` (rounded to float32) with `shape`, whose element count must be theirs. */
export function encodeFloat32(values: Float32Array | readonly number[], shape: readonly number[]): Float32Base64 {
  if (elements(shape) !== values.length) throw new Error(`shape [${shape.join(', ')}] needs ${elements(shape)} values (got ${values.length})`);
  const floats = values instanceof Float32Array ? values : Float32Array.from(values);
  return { dtype: 'float32', shape: [...shape], base64: float32ToBase64(floats) };
}

/** The values of a tagged array that must have `shape`; throws naming `what` when it has another or a bad payload. */
export function decodeFloat32(stored: Float32Base64, shape: readonly number[], what: string): Float32Array {
  if (stored.dtype !== 'float32') throw new Error(`${what} has dtype '${String(stored.dtype)}', expected 'float32'`);
  if (stored.shape.length !== shape.length || stored.shape.some((d, i) => d !== shape[i])) {
    throw new Error(`${what} has shape [${stored.shape.join(', ')}], expected [${shape.join(', ')}]`);
  }
  return float32FromBase64(stored.base64, elements(shape), what);
}
