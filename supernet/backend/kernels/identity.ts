/**
 * Identity for wasm without a copy: tensors are immutable, so the output shares the input's
 * data (as the cpu backend does). wasm's own Identity copies, and tfjs calls it for every
 * tensor a gradient function saves.
 */
import type { TensorInfo } from '../tf.js';
import type { ProjectKernel } from './composite.js';

export const identity: ProjectKernel = {
  kernelName: 'Identity',
  wasm({ x }, _attrs, backend) {
    (backend as unknown as { incRef(dataId: object): void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype } as TensorInfo;
  },
  composedBackends: [],
};
