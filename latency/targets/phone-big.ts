import { deviceTarget } from '../deviceTarget.js';

export const phoneBigTarget = deviceTarget(
  'phone-big',
  'phone prime core (Cortex-X1 @ 2.84 GHz, 1 thread): analytic roofline estimate in ms, not measured',
);
