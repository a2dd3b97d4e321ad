/**
 * Bilinear resizing of uint8 images (interleaved channels), with half-pixel centres: the same
 * arithmetic for every loader, so an image gives the same tensor whichever file format held it.
 * Shrinking by more than 2x first averages boxes of whole pixels, so detail is not aliased away.
 */

/** Resizes `n` images of `h x w x c` to `outH x outW x c`; returns the input when the size is unchanged. */
export function resizeImages(images: Uint8Array, n: number, h: number, w: number, c: number, outH: number, outW: number): Uint8Array {
  if (outH === h && outW === w) return images;
  const fy = h >= 2 * outH ? Math.floor(h / outH) : 1;
  const fx = w >= 2 * outW ? Math.floor(w / outW) : 1;
  let src = images;
  let sh = h;
  let sw = w;
  if (fy > 1 || fx > 1) {
    src = boxShrink(images, n, h, w, c, fy, fx);
    sh = Math.floor(h / fy);
    sw = Math.floor(w / fx);
  }
  return bilinear(src, n, sh, sw, c, outH, outW);
}

function boxShrink(images: Uint8Array, n: number, h: number, w: number, c: number, fy: number, fx: number): Uint8Array {
  const oh = Math.floor(h / fy);
  const ow = Math.floor(w / fx);
  const out = new Uint8Array(n * oh * ow * c);
  const area = fy * fx;
  for (let i = 0; i < n; i++) {
    const base = i * h * w * c;
    const obase = i * oh * ow * c;
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let ch = 0; ch < c; ch++) {
          let sum = 0;
          for (let dy = 0; dy < fy; dy++) {
            const row = base + ((y * fy + dy) * w + x * fx) * c + ch;
            for (let dx = 0; dx < fx; dx++) sum += images[row + dx * c];
          }
          out[obase + (y * ow + x) * c + ch] = Math.round(sum / area);
        }
      }
    }
  }
  return out;
}

function bilinear(images: Uint8Array, n: number, h: number, w: number, c: number, outH: number, outW: number): Uint8Array {
  const out = new Uint8Array(n * outH * outW * c);
  const sy = h / outH;
  const sx = w / outW;
  const y0s = new Int32Array(outH), y1s = new Int32Array(outH), wys = new Float64Array(outH);
  const x0s = new Int32Array(outW), x1s = new Int32Array(outW), wxs = new Float64Array(outW);
  for (let y = 0; y < outH; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), h - 1);
    y0s[y] = Math.floor(fy);
    y1s[y] = Math.min(y0s[y] + 1, h - 1);
    wys[y] = fy - y0s[y];
  }
  for (let x = 0; x < outW; x++) {
    const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), w - 1);
    x0s[x] = Math.floor(fx);
    x1s[x] = Math.min(x0s[x] + 1, w - 1);
    wxs[x] = fx - x0s[x];
  }
  for (let i = 0; i < n; i++) {
    const base = i * h * w * c;
    const obase = i * outH * outW * c;
    for (let y = 0; y < outH; y++) {
      const r0 = base + y0s[y] * w * c;
      const r1 = base + y1s[y] * w * c;
      const wy = wys[y];
      for (let x = 0; x < outW; x++) {
        const a = x0s[x] * c;
        const b = x1s[x] * c;
        const wx = wxs[x];
        for (let ch = 0; ch < c; ch++) {
          const top = images[r0 + a + ch] * (1 - wx) + images[r0 + b + ch] * wx;
          const bottom = images[r1 + a + ch] * (1 - wx) + images[r1 + b + ch] * wx;
          out[obase + (y * outW + x) * c + ch] = Math.round(top * (1 - wy) + bottom * wy);
        }
      }
    }
  }
  return out;
}
