import { proxyTarget } from '../proxy.js';

export const paramsTarget = proxyTarget('params', 'weights in millions (a proxy, not a time)');
