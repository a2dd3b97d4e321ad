import { proxyTarget } from '../proxy.js';

export const bitopsTarget = proxyTarget('bitops', 'MACs x weight bits x activation bits, in billions (a proxy, not a time)');
