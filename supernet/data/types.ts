/**
 * Plain-data types of the data area. A split is typed arrays and numbers only, so it can be
 * posted to a worker thread; nothing here imports tfjs.
 */

export type SplitName = 'train' | 'val' | 'test';

/**
 * The preprocessing a model expects: per channel, `(pixel / 255 - mean[c]) / std[c]`, with the
 * mean and (population) standard deviation of the training split's pixels scaled to [0, 1].
 */
export interface Normalization {
  mean: number[];
  std: number[];
}

/** The pixels and geometry of a set of images: what batch builders need. */
export interface ImageSet {
  /** Number of images. */
  n: number;
  height: number;
  width: number;
  /** 1 (grey) or 3 (RGB), interleaved (NHWC). */
  channels: number;
  /** Pixels 0..255, image-major, then row-major, then channel: `n * height * width * channels` bytes. */
  images: Uint8Array;
  /** How the batch builders turn these bytes into the floats a network sees. */
  normalization: Normalization;
}

/** One split of a labelled image dataset. */
export interface DataSplit extends ImageSet {
  name: SplitName;
  /** One class label per image. */
  labels: Uint8Array;
  /** For provenance: the position of each image in its source (file, or sorted file list), ascending. */
  indices: Int32Array;
  /** The file or folder the split was read from. */
  source: string;
}

/** The formats `loadDataset` reads. */
export type DatasetFormat = 'fashion-mnist' | 'idx' | 'npy' | 'folder';

/** Image shape of a dataset: what a space's `input` must match. */
export interface ImageShape {
  height: number;
  width: number;
  channels: number;
}

/**
 * A labelled image dataset split three ways: `train` for training, `val` for search and
 * predictors, `test` for final reports only. Every split has the dataset's shape and
 * normalisation (statistics of `train`).
 */
export interface Dataset {
  /** Short name: 'fashion-mnist', or the data folder's base name. */
  name: string;
  format: DatasetFormat;
  /** The directory the data was read from. */
  dir: string;
  /** The images' shape as the splits hold them (after any resize to a space's input). */
  input: ImageShape;
  classes: number;
  classNames: readonly string[];
  normalization: Normalization;
  train: DataSplit;
  val: DataSplit;
  test: DataSplit;
  /** What the loader did that the user should know (resizes, carved splits), one line each. */
  notes: readonly string[];
}

/**
 * Fashion-MNIST, one `Dataset`: `train` and `val` are a fixed hold-out of the official training
 * file, `test` is the official t10k file.
 */
export type FashionMnist = Dataset;
