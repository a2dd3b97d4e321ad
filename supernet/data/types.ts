/**
 * Plain-data types of the data area. A split is typed arrays and numbers only, so it can be
 * posted to a worker thread; nothing here imports tfjs.
 */

export type SplitName = 'train' | 'val' | 'test';

/** The pixels and geometry of a set of grayscale images: what batch builders need. */
export interface ImageSet {
  /** Number of images. */
  n: number;
  height: number;
  width: number;
  /** Pixels 0..255, image-major then row-major: `n * height * width` bytes. */
  images: Uint8Array;
}

/** One split of a labelled image dataset. */
export interface DataSplit extends ImageSet {
  name: SplitName;
  /** One class label per image. */
  labels: Uint8Array;
  /** For provenance: the position of each image in its source file, ascending. */
  indices: Int32Array;
  /** The image file the split was read from. */
  source: string;
}

/**
 * Fashion-MNIST split three ways: `train` and `val` are a fixed hold-out of the official
 * training file, `test` is the official t10k file (for final reports only).
 */
export interface FashionMnist {
  /** The directory the files were read from. */
  dir: string;
  classNames: readonly string[];
  train: DataSplit;
  val: DataSplit;
  test: DataSplit;
}
