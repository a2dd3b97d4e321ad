import { proxyTarget } from '../proxy.js';

export const macsTarget = proxyTarget('macs', 'multiply-accumulates per inference in millions (a proxy, not a time)');
