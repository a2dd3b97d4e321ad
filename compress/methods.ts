/**
 * The compression methods by name (`hwnas compress --method`). Each evaluates policies of a
 * CompressProblem; the l1/l2 surrogate also trains, so every method is built with the context
 * of the network it compresses.
 */
import type { BackendName } from '../supernet/backend/backend.js';
import type { Dataset } from '../supernet/data/types.js';
import type { CompressibleNetwork } from './network.js';
import { kCompressMethods, type CompressMethod, type CompressMethodName } from './types.js';
import type { SchemeName } from './schemes.js';
import { AmcMethod } from './amc.js';
import { GalenMethod } from './galen.js';
import { CondensaMethod } from './condensa.js';
import { EvolutionMethod } from './evolutionMethod.js';
import { L1L2Method } from './l1l2.js';

export interface MethodContext {
  network: CompressibleNetwork;
  data: Dataset;
  workers: number;
  backend?: BackendName | 'auto';
  /** The compression's folder (for methods that keep checkpoints). */
  out: string;
  /** Condensa's scheme (default: depthAndWidth when the network has depth layers, else pruneAll). */
  scheme?: SchemeName;
  /** Progress of a method that trains (l1l2), after each step. */
  onTrainStep?: (step: number, totalSteps: number, loss: number) => void;
}

/** The method `name`; throws listing the valid names. */
export function createMethod(name: string, context: MethodContext): CompressMethod {
  switch (name as CompressMethodName) {
    case 'amc':
      return new AmcMethod();
    case 'galen':
      return new GalenMethod();
    case 'condensa':
      // With depth layers, the default scheme has a parameter for the share of blocks kept besides the width's.
      return new CondensaMethod({ scheme: context.scheme ?? (context.network.policies.layers.some((l) => l.kind === 'depth') ? 'depthAndWidth' : 'pruneAll') });
    case 'evolution':
      return new EvolutionMethod();
    case 'l1l2':
      return new L1L2Method(context, context.onTrainStep === undefined ? {} : { onTrainStep: context.onTrainStep });
    default:
      throw new Error(`unknown compression method '${name}': choose one of ${kCompressMethods.join(', ')}`);
  }
}
