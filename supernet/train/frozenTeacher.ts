/**
 * A frozen teacher for distillation: a separate network with its own copy of the weights,
 * whose predictions the trained config learns and which never trains - of either kind, whatever
 * the student's (a CNN, a network trained on its own among them, teaches a SubTransformer as
 * DeiT's convnet teaches its ViT; a SuperTransformer's SubTransformer teaches a CNN subnet).
 * Plain data (`kind`, `space`, `params`, `config`) so it crosses worker threads in the replica
 * init; each replica builds the net of its kind once (netKinds.ts). A checkpoint of a run with a
 * teacher keeps its weights (array `teacherParams`) and its kind, space, config, mode and origin
 * (meta `teacher`), so a resumed run distils from the same teacher without its file.
 */
import { createHash } from 'node:crypto';
import type { InputSpec } from '../../space/types.js';
import { tf } from '../backend/tf.js';
import type { Tensor2D, Tensor4D } from '../backend/tf.js';
import { netKind, type KindedConfig } from './netKinds.js';
import type { PhaseSpec } from './schedule.js';
import type { NetSpace } from './trainingNet.js';
import type { TrainCheckpointKind, TrainDataMeta } from './trainTypes.js';

/**
 * How the student learns the teacher's predictions: 'soft', the cross-entropy to its softmax
 * (added to the label loss); 'hard' (DeiT's hard-label distillation), the cross-entropy to its
 * argmax, averaged with the label loss.
 */
export type DistillMode = 'soft' | 'hard';
export const kDistillModes: readonly DistillMode[] = Object.freeze(['soft', 'hard']);

/** The teacher as the replicas take it: config `config` of a net of `kind` and `space` with weights `params`. */
export type FrozenTeacher = KindedConfig & {
  params: Float32Array;
  /** Absent: 'soft'. */
  mode?: DistillMode;
};

/** A teacher and the checkpoint its weights came from. */
export type TeacherSource = FrozenTeacher & {
  from: string;
  /** The data its checkpoint was trained on, when recorded (checked against the student's). */
  data?: TrainDataMeta;
};

/**
 * What a checkpoint's metadata records of its teacher (the weights are its array
 * `teacherParams`). Checkpoints from before teachers of the other kind record no `kind` (the
 * student's) and no `mode` ('soft').
 */
export interface TeacherRecord {
  kind?: TrainCheckpointKind;
  space: NetSpace;
  config: unknown;
  from: string;
  mode?: DistillMode;
}

/** The teacher network of one replica. */
export interface TeacherNet {
  /** `teacherId` of the data it was built from: a task names the teacher it distils from. */
  id: string;
  mode: DistillMode;
  /**
   * Its soft predictions `[n, classes]` for images `x`, forwarded in its own kind (a CNN's
   * BatchNorm on the batch's statistics, as the trained configs run), without gradient.
   */
  predict(x: Tensor4D): Tensor2D;
  dispose(): void;
}

/** A short fingerprint of a teacher (kind, space, config, mode and weights), equal for equal teachers. */
export function teacherId(teacher: FrozenTeacher): string {
  const { params } = teacher;
  return createHash('sha256')
    .update(JSON.stringify([teacher.kind, teacher.space, teacher.config, teacher.mode ?? 'soft']))
    .update(Buffer.from(params.buffer, params.byteOffset, params.byteLength))
    .digest('hex')
    .slice(0, 16);
}

/** The plain data of `teacher` the replicas take (no origin, no data record). */
export function frozenTeacherData(teacher: FrozenTeacher): FrozenTeacher {
  return { kind: teacher.kind, space: teacher.space, params: teacher.params, config: teacher.config, mode: teacher.mode ?? 'soft' } as FrozenTeacher;
}

/** What a checkpoint records of `teacher`. */
export function teacherRecord(teacher: TeacherSource): TeacherRecord {
  return { kind: teacher.kind, space: teacher.space, config: teacher.config, from: teacher.from, mode: teacher.mode ?? 'soft' };
}

/** Builds the teacher's net (of its own kind) and assigns its weights; the caller disposes it. */
export function buildTeacherNet(teacher: FrozenTeacher): TeacherNet {
  const kind = netKind(teacher.kind);
  const net = kind.build(teacher.space);
  if (teacher.params.length !== net.store.size) {
    net.dispose();
    throw new Error(`the teacher holds ${teacher.params.length} weights but a ${kind.net} of its space '${teacher.space.name}' has ${net.store.size}: give the weights of that space`);
  }
  net.store.assignFlat(teacher.params);
  const { config } = teacher;
  return {
    id: teacherId(teacher),
    mode: teacher.mode ?? 'soft',
    predict: (x) => tf.tidy(() => tf.softmax(net.forward(config, x, { kind: 'train' }))),
    dispose: () => net.dispose(),
  };
}

/**
 * Throws unless every phase of a run with a frozen teacher trains one config and has no
 * teacher of its own (a sandwich phase distils from its own largest subnet instead).
 */
export function checkTeacherPhases(phases: readonly PhaseSpec<unknown>[]): void {
  phases.forEach((p, i) => {
    if (p.config === undefined) throw new Error(`a frozen teacher distils into one trained config, but options.phases[${i}] ('${p.name}') has no config: give it one, or drop the teacher`);
    if (p.teacher !== undefined) throw new Error(`options.phases[${i}].teacher and a frozen teacher are two teachers: drop one of them`);
  });
}

/** Throws unless `teacher` takes the images and classes of `input` (those of `student`). */
export function checkTeacherInput(teacher: { space: { input: InputSpec }; from: string }, input: InputSpec, student: string): void {
  const t = teacher.space.input;
  if (t.height === input.height && t.width === input.width && t.channels === input.channels && t.classes === input.classes) return;
  throw new Error(
    `teacher ${teacher.from} takes ${t.height}x${t.width}x${t.channels} images of ${t.classes} classes, but ${student} ` +
      `takes ${input.height}x${input.width}x${input.channels} images of ${input.classes} classes: give a teacher trained on the same data`,
  );
}

/**
 * The teacher kept in checkpoint `path` (read as `ck`), or undefined when its run has none. A
 * record without a kind (written before teachers of the other kind) is of the student's kind.
 */
export function keptTeacher(
  ck: { meta: { kind: TrainCheckpointKind; teacher?: TeacherRecord }; arrays: Record<string, Float32Array> }, path: string,
): TeacherSource | undefined {
  const record = ck.meta.teacher;
  if (record === undefined) return undefined;
  const params = ck.arrays.teacherParams;
  if (params === undefined) throw new Error(`${path} names a frozen teacher (${record.from}) but holds no teacher weights; it is damaged`);
  const { kind = ck.meta.kind, space, config, from, mode = 'soft' } = record;
  return { kind, space, config, from, mode, params } as TeacherSource;
}
