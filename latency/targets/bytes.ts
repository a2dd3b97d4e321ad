import { proxyTarget } from '../proxy.js';

export const bytesTarget = proxyTarget(
  'bytes',
  'megabytes of weights and activations moved per inference, no cache reuse (a proxy, not a time)',
);
