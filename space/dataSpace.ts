/**
 * A search space sized for a dataset: a built-in space with the data's input shape and class
 * count. Pure data; `hwnas init` writes the result.
 */
import type { InputSpec, SearchSpace } from './types.js';

/** The longest side a derived space takes: larger images are resized down (training runs on CPUs). */
export const kMaxInputSide = 64;

export interface DataSpace {
  space: SearchSpace;
  /** Why each choice was made, one line each. */
  reasons: string[];
}

/** Product of the strides from the stem to the last stage. */
export function totalStride(space: SearchSpace): number {
  return space.stages.reduce<number>((s, st) => s * st.stride, space.stem.stride);
}

/**
 * `base` with the input of the data: its channels and classes; its height and width when the
 * longer side is at most `kMaxInputSide`, else scaled down (aspect kept) so it is.
 */
export function spaceForData(base: SearchSpace, data: InputSpec, name: string): DataSpace {
  const reasons: string[] = [];
  const longest = Math.max(data.height, data.width);
  let { height, width } = data;
  if (longest > kMaxInputSide) {
    const scale = kMaxInputSide / longest;
    height = Math.max(1, Math.round(data.height * scale));
    width = Math.max(1, Math.round(data.width * scale));
    reasons.push(`input ${height}x${width}: the ${data.height}x${data.width} images are resized down so the longer side is ${kMaxInputSide} (training on a CPU; edit input in the JSON to change it)`);
  } else {
    reasons.push(`input ${height}x${width}: the images' own size`);
  }
  reasons.push(`${data.channels} input channel${data.channels === 1 ? '' : 's'} (${data.channels === 1 ? 'grey' : 'RGB'}) and ${data.classes} classes, from the data`);
  const stride = totalStride(base);
  if (Math.min(height, width) < stride) {
    reasons.push(`note: ${Math.min(height, width)} pixels is less than the space's total stride ${stride}: the last stages run on 1x1 feature maps`);
  }
  const space: SearchSpace = { ...structuredClone(base), name, input: { height, width, channels: data.channels, classes: data.classes } };
  return { space, reasons };
}
