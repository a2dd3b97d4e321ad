/**
 * Shared geometry for the composed convolution gradient kernels (NHWC only).
 */
import { tf } from '../tf.js';
import type { Tensor4D } from '../tf.js';

export type Conv2DInfo = ReturnType<typeof tf.backend_util.computeConv2DInfo>;
export type PadAttr = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

export interface ConvGradAttrs {
  strides: number | [number, number];
  pad: PadAttr;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** Forward convolution geometry for input shape `xShape` and filter shape `filterShape`. */
export function convInfo(
  kernelName: string,
  xShape: number[],
  filterShape: number[],
  attrs: ConvGradAttrs,
  depthwise: boolean,
): Conv2DInfo {
  if (attrs.dataFormat !== undefined && attrs.dataFormat !== 'NHWC') {
    throw new Error(`${kernelName} on wasm supports dataFormat 'NHWC' only (got '${attrs.dataFormat}')`);
  }
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    attrs.dilations ?? 1,
    attrs.pad,
    attrs.dimRoundingMode,
    depthwise,
    'channelsLast',
  );
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
    throw new Error(`${kernelName} on wasm supports dilation 1 only (got ${info.dilationHeight}x${info.dilationWidth})`);
  }
  return info;
}

/**
 * Inserts `sh - 1` zero rows and `sw - 1` zero columns after every row/column of `t`
 * (`[B, H, W, C]` -> `[B, H*sh, W*sw, C]`), by reshape and pad (no strided kernels).
 */
export function dilateSpatial(t: Tensor4D, sh: number, sw: number): Tensor4D {
  if (sh === 1 && sw === 1) return t;
  const [b, h, w, c] = t.shape;
  const six = tf.reshape(t, [b, h, 1, w, 1, c]);
  const padded = tf.pad(six, [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]]);
  return tf.reshape(padded, [b, h * sh, w * sw, c]);
}

/**
 * The input gradient of a strided convolution as a stride-1 convolution: returns `dy`
 * zero-dilated by the stride, cropped where needed, and the explicit padding that makes a
 * 'full' correlation with the spatially flipped filter produce exactly `[inHeight, inWidth]`.
 */
export function dilatedForInputGrad(
  dy: Tensor4D,
  info: Conv2DInfo,
): { dyd: Tensor4D; pad: [[number, number], [number, number], [number, number], [number, number]] } {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw } = info;
  let dyd = dilateSpatial(dy, sh, sw);
  const rows = axisPads(info.inHeight, kh, info.padInfo.top, dyd.shape[1]);
  const cols = axisPads(info.inWidth, kw, info.padInfo.left, dyd.shape[2]);
  if (rows.cropBegin > 0 || rows.cropEnd > 0 || cols.cropBegin > 0 || cols.cropEnd > 0) {
    dyd = tf.slice(dyd, [0, rows.cropBegin, cols.cropBegin, 0], [
      -1,
      dyd.shape[1] - rows.cropBegin - rows.cropEnd,
      dyd.shape[2] - cols.cropBegin - cols.cropEnd,
      -1,
    ]);
  }
  return { dyd, pad: [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]] };
}

function axisPads(inSize: number, k: number, padBefore: number, dilatedSize: number) {
  const before = k - 1 - padBefore;
  const after = inSize + k - 1 - before - dilatedSize;
  return {
    before: Math.max(before, 0),
    after: Math.max(after, 0),
    cropBegin: Math.max(-before, 0),
    cropEnd: Math.max(-after, 0),
  };
}

/**
 * im2col: `[B, Ho, Wo, kh*kw*Cin]`, column order (ky, kx, ci) as in the filter's layout. Each
 * tap is a plain slice; strides come from a reshape of the padded input into
 * `[B, Hp/sh, sh, Wp/sw, sw, C]` phases (no strided slices).
 */
export function patches(x: Tensor4D, info: Conv2DInfo): Tensor4D {
  const { strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outHeight: ho, outWidth: wo } = info;
  const [b, h, w, c] = x.shape;
  const needH = sh * (Math.floor((kh - 1) / sh) + ho);
  const needW = sw * (Math.floor((kw - 1) / sw) + wo);
  const { top, left } = info.padInfo;
  const bottom = needH - top - h;
  const right = needW - left - w;
  let xp = x;
  if (bottom < 0 || right < 0) {
    xp = tf.slice(xp, [0, 0, 0, 0], [b, h + Math.min(bottom, 0), w + Math.min(right, 0), c]);
  }
  if (top > 0 || left > 0 || bottom > 0 || right > 0) {
    xp = tf.pad(xp, [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]]);
  }
  const strided = sh > 1 || sw > 1;
  const phases = strided ? tf.reshape(xp, [b, needH / sh, sh, needW / sw, sw, c]) : xp;
  const taps: Tensor4D[] = [];
  for (let ky = 0; ky < kh; ky++) {
    for (let kx = 0; kx < kw; kx++) {
      taps.push(strided
        ? tf.reshape(tf.slice(phases, [0, Math.floor(ky / sh), ky % sh, Math.floor(kx / sw), kx % sw, 0], [b, ho, 1, wo, 1, c]),
          [b, ho, wo, c]) as Tensor4D
        : tf.slice(xp, [0, ky, kx, 0], [b, ho, wo, c]));
    }
  }
  return taps.length === 1 ? taps[0] : tf.concat(taps, 3);
}
