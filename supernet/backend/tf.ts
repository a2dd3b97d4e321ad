/**
 * The project's single entry point to TensorFlow.js. Every other module imports `tf` from here
 * so that one tfjs-core instance (and its kernel registry and backends) is shared.
 *
 * `@tensorflow/tfjs`, `@tensorflow/tfjs-backend-wasm` and, when installed,
 * `@tensorflow/tfjs-node` all resolve to their CommonJS Node bundles, which `require` the same
 * `@tensorflow/tfjs-core` module, so a backend registered by any of them is visible here.
 */
import * as tf from '@tensorflow/tfjs';

export { tf };
export type { Tensor, Tensor1D, Tensor2D, Tensor3D, Tensor4D, Rank, TensorInfo } from '@tensorflow/tfjs';
