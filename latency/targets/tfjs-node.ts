import { measuredTarget } from '../measuredTarget.js';

export const tfjsNodeTarget = measuredTarget(
  'tfjs-node',
  'TensorFlow.js node backend (libtensorflow) on this CPU, where it loads (float graphs): measured ms from a latency profile',
);
