/**
 * A frozen teacher for distillation: a separate network with its own copy of the weights,
 * whose soft predictions the trained config learns and which never trains. Plain data
 * (`space`, `params`, `config`) so it crosses worker threads in the replica init; each replica
 * builds its own net for it once (a CNN supernet, or a SuperTransformer for a SubTransformer).
 * A checkpoint of a run with a teacher keeps the teacher's weights (array `teacherParams`) and
 * its space, config and origin (meta `teacher`), so a resumed run distils from the same teacher
 * without its file.
 */
import { createHash } from 'node:crypto';
import type { InputSpec, SearchSpace, SubnetConfig } from '../../space/types.js';
import type { PhaseSpec } from './schedule.js';
import type { ReplicaNet } from './supernetReplica.js';
import type { NetSpace } from './trainingNet.js';
import type { TrainDataMeta } from './trainTypes.js';

/** The teacher as the replicas take it: config `config` of a net of `space` with weights `params`. */
export interface FrozenTeacher<S = SearchSpace, C = SubnetConfig> {
  space: S;
  params: Float32Array;
  config: C;
}

/** A teacher and the checkpoint its weights came from. */
export interface TeacherSource<S = SearchSpace, C = SubnetConfig> extends FrozenTeacher<S, C> {
  from: string;
  /** The data its checkpoint was trained on, when recorded (checked against the student's). */
  data?: TrainDataMeta;
}

/** What a checkpoint's metadata records of its teacher (the weights are its array `teacherParams`). */
export interface TeacherRecord<S = SearchSpace, C = SubnetConfig> {
  space: S;
  config: C;
  from: string;
}

/** The teacher network of one replica. */
export interface TeacherNet<C = SubnetConfig> {
  net: Pick<ReplicaNet<C>, 'store' | 'forward' | 'dispose'>;
  config: C;
  /** `teacherId` of the data it was built from: a task names the teacher it distils from. */
  id: string;
}

/** A short fingerprint of a teacher (space, config and weights), equal for equal teachers. */
export function teacherId(teacher: FrozenTeacher<unknown, unknown>): string {
  const { params } = teacher;
  return createHash('sha256')
    .update(JSON.stringify([teacher.space, teacher.config]))
    .update(Buffer.from(params.buffer, params.byteOffset, params.byteLength))
    .digest('hex')
    .slice(0, 16);
}

/** The plain data of `teacher` the replicas take (no origin, no data record). */
export function frozenTeacherData<S, C>(teacher: FrozenTeacher<S, C>): FrozenTeacher<S, C> {
  return { space: teacher.space, params: teacher.params, config: teacher.config };
}

/**
 * Builds the teacher's net with `build` (a fresh net of its space) and assigns its weights;
 * the caller disposes `net`.
 */
export function buildTeacherNet<S extends NetSpace, C>(teacher: FrozenTeacher<S, C>, build: (space: S) => TeacherNet<C>['net']): TeacherNet<C> {
  const net = build(teacher.space);
  if (teacher.params.length !== net.store.size) {
    net.dispose();
    throw new Error(`the teacher holds ${teacher.params.length} weights but a supernet of its space '${teacher.space.name}' has ${net.store.size}: give the weights of that space`);
  }
  net.store.assignFlat(teacher.params);
  return { net, config: teacher.config, id: teacherId(teacher) };
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

/** The teacher kept in checkpoint `path` (read as `ck`), or undefined when its run has none. */
export function keptTeacher<S, C>(
  ck: { meta: { teacher?: TeacherRecord<S, C> }; arrays: Record<string, Float32Array> }, path: string,
): TeacherSource<S, C> | undefined {
  const record = ck.meta.teacher;
  if (record === undefined) return undefined;
  const params = ck.arrays.teacherParams;
  if (params === undefined) throw new Error(`${path} names a frozen teacher (${record.from}) but holds no teacher weights; it is damaged`);
  return { space: record.space, config: record.config, from: record.from, params };
}
