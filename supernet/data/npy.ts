/**
 * Reader and writer for NumPy's `.npy` format (versions 1-3): the magic `\x93NUMPY`, a version,
 * a little-endian header length, a Python-dict header (`descr`, `fortran_order`, `shape`), then
 * the values in C order. Integer and float dtypes of either byte order are read; object arrays
 * and Fortran order are refused.
 */
import { readFileSync } from 'node:fs';

export type NpyData = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | BigInt64Array | BigUint64Array | Float32Array | Float64Array;

export interface NpyArray {
  /** NumPy's dtype string without byte order, e.g. 'u1', 'i8', 'f4'. */
  dtype: string;
  shape: number[];
  data: NpyData;
}

const kMagic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
type Ctor = { new (buffer: ArrayBuffer, offset: number, length: number): NpyData; BYTES_PER_ELEMENT: number };
const kTypes: Readonly<Record<string, Ctor>> = {
  u1: Uint8Array, i1: Int8Array, b1: Uint8Array, u2: Uint16Array, i2: Int16Array, u4: Uint32Array, i4: Int32Array,
  u8: BigUint64Array, i8: BigInt64Array, f4: Float32Array, f8: Float64Array,
};

/** Decodes `.npy` bytes; `source` names the file in errors. */
export function parseNpy(bytes: Uint8Array, source: string): NpyArray {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 10 || !buf.subarray(0, 6).equals(kMagic)) throw new Error(`${source} is not a NumPy .npy file (bad magic): save arrays with numpy.save`);
  const major = buf[6];
  if (major < 1 || major > 3) throw new Error(`${source}: .npy version ${major}.${buf[7]} is not supported (1.0-3.0)`);
  const lenBytes = major === 1 ? 2 : 4;
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + lenBytes + headerLen;
  if (buf.length < start) throw new Error(`${source}: truncated .npy header`);
  const header = buf.subarray(8 + lenBytes, start).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${source}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new Error(`${source}: Fortran-order arrays are not supported: save numpy.ascontiguousarray(x)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${source}: bad shape (${shapeText}) in .npy header`);
  const order = descr[0];
  const dtype = descr.slice(1);
  const ctor = kTypes[dtype];
  if (ctor === undefined || !'<>|='.includes(order)) throw new Error(`${source}: dtype '${descr}' is not supported (integer or float arrays only)`);
  const count = shape.reduce((a, b) => a * b, 1);
  const size = ctor.BYTES_PER_ELEMENT;
  if (buf.length - start !== count * size) {
    throw new Error(`${source}: ${buf.length - start} data bytes, but shape (${shape.join(', ')}) of '${descr}' needs ${count * size}: the file is truncated or damaged`);
  }
  const copy = new Uint8Array(count * size);
  copy.set(buf.subarray(start, start + count * size));
  if (order === '>' && size > 1) {
    for (let i = 0; i < copy.length; i += size) copy.subarray(i, i + size).reverse();
  }
  return { dtype, shape, data: new ctor(copy.buffer, 0, count) };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), path);
}

const kDescr = new Map<Function, string>([
  [Uint8Array, '|u1'], [Int8Array, '|i1'], [Uint16Array, '<u2'], [Int16Array, '<i2'], [Uint32Array, '<u4'], [Int32Array, '<i4'],
  [BigUint64Array, '<u8'], [BigInt64Array, '<i8'], [Float32Array, '<f4'], [Float64Array, '<f8'],
]);

/** Encodes a C-order array as a version 1.0 `.npy` file. */
export function encodeNpy(data: NpyData, shape: readonly number[]): Uint8Array {
  const descr = kDescr.get(data.constructor);
  if (descr === undefined) throw new Error('encodeNpy: unsupported array type');
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(kMagic, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
