/**
 * The two kinds of training checkpoint - the CNN supernet's ('hwnas-supernet': a supernet, or a
 * network trained on its own with `--config`) and the SuperTransformer's - and what a frozen
 * teacher or a fine-tune needs of each: its space read from a checkpoint, its configs resolved,
 * named and compared, and a fresh net of a space. The one place that decides by kind, so a
 * teacher of either kind teaches a student of either kind (DeiT: a convnet teaches a ViT).
 */
import { canonicalConfig, configKey, largestConfig } from '../../space/searchSpace.js';
import { parseSearchSpace } from '../../space/schema.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';
import { largestTransformer, transformerConfigKey } from '../../space/transformer/configs.js';
import { parseTransformerSpace } from '../../space/transformer/schema.js';
import type { TransformerConfig, TransformerSpace } from '../../space/transformer/types.js';
import { resolveConfig } from '../io.js';
import { Supernet } from '../Supernet.js';
import { resolveTransformerConfig } from '../transformer/io.js';
import { SuperTransformer } from '../transformer/SuperTransformer.js';
import { onlyConfig, type PhaseSpec } from './schedule.js';
import type { ReplicaNet } from './supernetReplica.js';
import type { NetSpace } from './trainingNet.js';
import type { TrainCheckpointKind } from './trainTypes.js';

/** One kind of net: its spaces `S` and configs `C`. */
export interface NetKind<S extends NetSpace, C> {
  readonly kind: TrainCheckpointKind;
  /** One network of it, in messages: 'subnet', 'SubTransformer'. */
  readonly what: string;
  /** The weight-sharing net, in messages: 'supernet', 'SuperTransformer'. */
  readonly net: string;
  /** A training checkpoint of it, in messages. */
  readonly checkpoint: string;
  /** The space a checkpoint of it stores, validated. */
  parseSpace(json: unknown): S;
  largest(space: S): C;
  /** A config of `space` named on the command line: largest, smallest, or a config (or results) file. */
  resolve(space: S, arg: string): C;
  key(space: S, cfg: C): string;
  /** Whether `a` and `b` are the same network, bit widths aside (a teacher runs in float). */
  same(space: S, a: C, b: C): boolean;
  /** `cfg` as a teacher runs it: in float. */
  float(cfg: C): C;
  /** A fresh net of `space` whose weights the caller assigns (and which it disposes). */
  build(space: S): ReplicaNet<C>;
}

/** A config with the kind and space it belongs to (a teacher's, a checkpoint's record of one). */
export type KindedConfig =
  | { kind: 'hwnas-supernet'; space: SearchSpace; config: SubnetConfig }
  | { kind: 'hwnas-supertransformer'; space: TransformerSpace; config: TransformerConfig };

const floatConfig = ({ wBits: _w, aBits: _a, ...rest }: SubnetConfig): SubnetConfig => rest;

export const kCnnNet: NetKind<SearchSpace, SubnetConfig> = Object.freeze({
  kind: 'hwnas-supernet',
  what: 'subnet',
  net: 'supernet',
  checkpoint: 'a CNN training checkpoint (a supernet, or a network trained on its own)',
  parseSpace: parseSearchSpace,
  largest: largestConfig,
  resolve: resolveConfig,
  key: configKey,
  same: (space: SearchSpace, a: SubnetConfig, b: SubnetConfig) =>
    JSON.stringify(canonicalConfig(space, floatConfig(a))) === JSON.stringify(canonicalConfig(space, floatConfig(b))),
  float: floatConfig,
  build: (space: SearchSpace) => new Supernet(space, 0),
});

export const kTransformerNet: NetKind<TransformerSpace, TransformerConfig> = Object.freeze({
  kind: 'hwnas-supertransformer',
  what: 'SubTransformer',
  net: 'SuperTransformer',
  checkpoint: 'a SuperTransformer training checkpoint',
  parseSpace: parseTransformerSpace,
  largest: largestTransformer,
  resolve: resolveTransformerConfig,
  key: (_space: TransformerSpace, cfg: TransformerConfig) => transformerConfigKey(cfg),
  same: (_space: TransformerSpace, a: TransformerConfig, b: TransformerConfig) => transformerConfigKey(a) === transformerConfigKey(b),
  float: (cfg: TransformerConfig) => cfg,
  build: (space: TransformerSpace) => new SuperTransformer(space, 0),
});

const kNetKinds: Readonly<Record<TrainCheckpointKind, NetKind<NetSpace, unknown>>> = Object.freeze({
  'hwnas-supernet': kCnnNet,
  'hwnas-supertransformer': kTransformerNet,
});

/** Whether `value` names a kind of training checkpoint. */
export function isNetKind(value: unknown): value is TrainCheckpointKind {
  return typeof value === 'string' && Object.hasOwn(kNetKinds, value);
}

/** The kind of net of checkpoints of kind `kind`, for a config and space of it. */
export function netKind(kind: TrainCheckpointKind): NetKind<NetSpace, unknown> {
  return kNetKinds[kind];
}

/** The network a checkpoint of `kind` trained: the one config of its phases (a fine-tune, a network trained with `--config`), or its largest. */
export function trainedConfig<S extends NetSpace, C>(kind: NetKind<S, C>, space: S, phases: readonly PhaseSpec<C>[]): C {
  return onlyConfig(phases) ?? kind.largest(space);
}

/** The short name of a kinded config (e.g. a teacher's), by its own kind. */
export function kindedKey(k: KindedConfig): string {
  return netKind(k.kind).key(k.space, k.config);
}
