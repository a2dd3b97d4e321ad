/**
 * A frozen teacher from a training checkpoint (`hwnas finetune --teacher`) of either kind: a CNN
 * checkpoint written by `hwnas train` (a supernet, or a network trained on its own with
 * `--config`), a SuperTransformer's, or a fine-tune of either by `hwnas finetune` - whatever the
 * student's kind - and the checks that it can teach a student: the same images, the same
 * classes in the same order.
 */
import type { InputSpec } from '../../space/types.js';
import { SpaceValidationError } from '../../space/schema.js';
import { classKey } from '../trainingData.js';
import { hasCheckpointMagic, loadCheckpoint } from './checkpoint.js';
import { checkTeacherInput, type TeacherSource } from './frozenTeacher.js';
import { isNetKind, netKind, trainedConfig } from './netKinds.js';
import type { TrainDataMeta, TrainMeta } from './trainTypes.js';

const kWhatToGive = 'give a training checkpoint written by hwnas train (a supernet, a network trained with --config, or a SuperTransformer) or by hwnas finetune';

/**
 * The teacher in training checkpoint `path`: config `configArg` of its space (a config file,
 * a search's results file, or largest/smallest), by default the network it trained (`'trained'`:
 * the one config of its phases, or its largest) or its largest (`'largest'`). A teacher runs in
 * float (bit widths are dropped). Throws naming the flag, the problem and the fix.
 */
export function loadTeacher(path: string, configArg?: string, byDefault: 'trained' | 'largest' = 'trained'): TeacherSource {
  let magic: boolean;
  try {
    magic = hasCheckpointMagic(path);
  } catch (err) {
    throw new Error(`--teacher: ${(err as Error).message}`);
  }
  if (!magic) throw new Error(`--teacher ${path} is not a checkpoint of hwnas: ${kWhatToGive}`);
  const { meta, arrays } = loadCheckpoint<Partial<TrainMeta<unknown, unknown>>>(path);
  if (!isNetKind(meta.kind) || meta.space === undefined || meta.options === undefined || arrays.params === undefined) {
    throw new Error(`--teacher ${path} is not a training checkpoint (kind ${String(meta.kind)}): ${kWhatToGive}`);
  }
  const kind = netKind(meta.kind);
  const space = kind.parseSpace(meta.space);
  let config = byDefault === 'largest' ? kind.largest(space) : trainedConfig(kind, space, meta.options.phases);
  if (configArg !== undefined) {
    try {
      config = kind.resolve(space, configArg);
    } catch (err) {
      const why = err instanceof SpaceValidationError ? err.problems.join('; ') : (err as Error).message;
      throw new Error(`--teacher-config ${configArg} is not a ${kind.what} of ${path}'s space '${space.name}' (${why}): give a config of that space, or largest`);
    }
  }
  const teacher = { kind: meta.kind, space, params: arrays.params, config: kind.float(config), from: path } as TeacherSource;
  return meta.data === undefined ? teacher : { ...teacher, data: meta.data };
}

/**
 * Throws unless `teacher` predicts the classes of the student's images (`input`, of checkpoint
 * `student`): the same image shape and class count, and (when both checkpoints record their
 * data) the same classes in the same order.
 */
export function checkTeacherFits(teacher: Pick<TeacherSource, 'space' | 'from' | 'data'>, input: InputSpec, student: string, studentData?: TrainDataMeta): void {
  checkTeacherInput(teacher, input, student);
  const tc = teacher.data?.classNames;
  const sc = studentData?.classNames;
  if (tc !== undefined && sc !== undefined && tc.some((c, i) => classKey(c) !== classKey(sc[i]))) {
    throw new Error(`teacher ${teacher.from} was trained on the classes ${tc.join(', ')}, ${student} on ${sc.join(', ')}: give a teacher trained on the same data, with its classes in the same order`);
  }
}
