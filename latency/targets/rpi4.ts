import { deviceTarget } from '../deviceTarget.js';

export const rpi4Target = deviceTarget(
  'rpi4',
  'Raspberry Pi 4 (4x Cortex-A72 @ 1.5 GHz): analytic roofline estimate in ms, not measured',
);
