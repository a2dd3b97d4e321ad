/**
 * A frozen teacher from a training checkpoint (`hwnas finetune --teacher`): any CNN checkpoint
 * written by `hwnas train` (a supernet, or a network trained on its own with `--config`) or by
 * `hwnas finetune`, and the checks that it can teach a student: the same images, the same
 * classes in the same order.
 */
import type { InputSpec, SubnetConfig } from '../../space/types.js';
import { largestConfig } from '../../space/searchSpace.js';
import { parseSearchSpace, SpaceValidationError } from '../../space/schema.js';
import { resolveConfig } from '../io.js';
import { classKey } from '../trainingData.js';
import { hasCheckpointMagic, loadCheckpoint } from './checkpoint.js';
import { checkTeacherInput, type TeacherSource } from './frozenTeacher.js';
import { onlyConfig } from './schedule.js';
import type { NetSpace } from './trainingNet.js';
import type { TrainDataMeta, TrainMeta } from './trainTypes.js';

const kWhatToGive = 'give a CNN training checkpoint written by hwnas train (a supernet, or a network trained with --config) or by hwnas finetune';

/**
 * The network a checkpoint trained: the one config of its phases (a network trained with
 * `--config`, or a fine-tuned subnet), or the largest subnet of its supernet.
 */
export function trainedConfig(meta: Pick<TrainMeta, 'space' | 'options'>): SubnetConfig {
  return onlyConfig(meta.options.phases) ?? largestConfig(meta.space);
}

/**
 * The teacher in training checkpoint `path`: config `configArg` of its space (a config file,
 * a search's results file, or largest/smallest), by default `defaultConfig` of it (the network
 * it trained). A teacher runs in float (bit widths are dropped). Throws naming the flag, the
 * problem and the fix.
 */
export function loadTeacher(
  path: string, configArg?: string, defaultConfig: (meta: Pick<TrainMeta, 'space' | 'options'>) => SubnetConfig = trainedConfig,
): TeacherSource {
  let magic: boolean;
  try {
    magic = hasCheckpointMagic(path);
  } catch (err) {
    throw new Error(`--teacher: ${(err as Error).message}`);
  }
  if (!magic) throw new Error(`--teacher ${path} is not a checkpoint of hwnas: ${kWhatToGive}`);
  const { meta, arrays } = loadCheckpoint<Partial<TrainMeta>>(path);
  if (meta.kind !== 'hwnas-supernet' || meta.space === undefined || meta.options === undefined || arrays.params === undefined) {
    const what = meta.kind === 'hwnas-supertransformer' ? 'a SuperTransformer training checkpoint' : `not a training checkpoint (kind ${String(meta.kind)})`;
    throw new Error(`--teacher ${path} is ${what}: ${kWhatToGive}`);
  }
  const space = parseSearchSpace(meta.space);
  let config = defaultConfig({ space, options: meta.options });
  if (configArg !== undefined) {
    try {
      config = resolveConfig(space, configArg);
    } catch (err) {
      const why = err instanceof SpaceValidationError ? err.problems.join('; ') : (err as Error).message;
      throw new Error(`--teacher-config ${configArg} is not a config of ${path}'s space '${space.name}' (${why}): give a config of that space, or largest`);
    }
  }
  const { wBits: _w, aBits: _a, ...float } = config;
  return { space, params: arrays.params, config: float, from: path, ...(meta.data === undefined ? {} : { data: meta.data }) };
}

/**
 * Throws unless `teacher` predicts the classes of the student's images (`input`, of checkpoint
 * `student`): the same image shape and class count, and (when both checkpoints record their
 * data) the same classes in the same order.
 */
export function checkTeacherFits(teacher: Pick<TeacherSource<NetSpace, unknown>, 'space' | 'from' | 'data'>, input: InputSpec, student: string, studentData?: TrainDataMeta): void {
  checkTeacherInput(teacher, input, student);
  const tc = teacher.data?.classNames;
  const sc = studentData?.classNames;
  if (tc !== undefined && sc !== undefined && tc.some((c, i) => classKey(c) !== classKey(sc[i]))) {
    throw new Error(`teacher ${teacher.from} was trained on the classes ${tc.join(', ')}, ${student} on ${sc.join(', ')}: give a teacher trained on the same data, with its classes in the same order`);
  }
}
