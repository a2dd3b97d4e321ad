import { measuredTarget } from '../measuredTarget.js';

export const ortCpuTarget = measuredTarget(
  'ort-cpu',
  'onnxruntime on this CPU (NAME:THREADS, fp32 or QDQ int8 as the config says): measured ms from a latency profile',
);
