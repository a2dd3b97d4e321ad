import { measuredTarget } from '../measuredTarget.js';

export const tfjsWasmTarget = measuredTarget(
  'tfjs-wasm',
  'TensorFlow.js wasm backend on this CPU (float graphs; bits do not change what runs): measured ms from a latency profile',
);
