/** Options shared by several subcommands, and the one place that prints the backend in use. */
import { existsSync, statSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { kShipped, shippedPath } from '../pipeline/shippedModels.js';

export interface CommonOptions {
  backend?: 'auto' | 'node' | 'wasm' | 'cpu';
  dataDir?: string;
  data?: string;
}

export function addBackendOption(cmd: Command): Command {
  return cmd.addOption(
    new Option('--backend <name>', 'tfjs backend (default: $HWNAS_BACKEND or auto = tfjs-node if installed, else wasm)')
      .choices(['auto', 'node', 'wasm', 'cpu']),
  );
}

/**
 * `--data` (a user's dataset folder) and `--data-dir` (Fashion-MNIST's), checked as they are
 * parsed: an existing path must be a directory.
 */
export function addDataDirOption(cmd: Command): Command {
  cmd.option('--data <dir>', "your dataset: an image folder (a sub-folder per class), NPY (x_train.npy, y_train.npy) or IDX files; default Fashion-MNIST (--data-dir)", (dir: string) => {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new InvalidArgumentError(`${dir} is a file, not a directory: give the folder that holds your dataset`);
    }
    return dir;
  });
  return cmd.option('--data-dir <dir>', 'Fashion-MNIST directory (default: $HWNAS_DATA_DIR or /usr/share/datasets/fashion-mnist)', (dir: string) => {
    if (existsSync(dir) && !statSync(dir).isDirectory()) {
      throw new InvalidArgumentError(`${dir} is a file, not a directory: give the folder that holds the Fashion-MNIST files`);
    }
    return dir;
  });
}

/** `--profile TARGET=FILE`, repeatable: the latency profile of a measured target. */
export function addProfileOption(cmd: Command): Command {
  return cmd.option(
    '--profile <target=file>',
    'latency profile of a measured target (e.g. ort-cpu:1=profiles/mine.json; default: the shipped one); repeat for several',
    (value: string, previous: string[]) => [...previous, value],
    [],
  );
}

/** `--checkpoint`, defaulting to the shipped supernet. */
export function addCheckpointOption(cmd: Command, description = 'trained supernet checkpoint'): Command {
  return cmd.addOption(new Option('--checkpoint <path>', description).default(shippedPath(kShipped.supernet), kShipped.supernet.file));
}

/** A finite positive number option value; the error names the flag. */
export function parsePositiveNumber(name: string, value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a positive number (got '${value}')`);
  return n;
}

/** A number option value >= 0; the error names the flag. */
export function parseNonNegativeNumber(name: string, value: string): number {
  const n = Number(value);
  if (!(n >= 0) || !Number.isFinite(n)) throw new Error(`--${name} must be a number >= 0 (got '${value}')`);
  return n;
}

/** An integer option value >= `min`; the error names the flag. */
export function parseIntOption(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got '${value}')`);
  return n;
}
