import { deviceTarget } from '../deviceTarget.js';

export const gpuSmallTarget = deviceTarget(
  'gpu-small',
  'Jetson Nano 128-core Maxwell GPU: analytic roofline estimate in ms, not measured',
);
