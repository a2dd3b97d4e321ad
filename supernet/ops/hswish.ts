/** Hard-swish family; see activation.ts for the kernels behind them. */
export { hswish, hsigmoid, relu6 } from './activation.js';
