/**
 * File-system failures in words. `checkOutputPath` checks an output path before any work
 * starts (kernel pseudo-file systems, a file where a folder is wanted or the reverse, an
 * existing output without --force, a read-only or full folder); `describeFsError` turns an errno
 * error that still happens into a sentence naming the output - never an errno code or the name
 * of a temporary sibling (`.x.json.tmp-123-ab` is reported as `x.json`).
 */
import { accessSync, constants, existsSync, realpathSync, statfsSync, statSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';

/** Temporary and set-aside siblings of util/atomicWrite.ts. */
const kTempSegment = /^\.(.+)\.(?:tmp|old)-\d+-[0-9a-z]+$/;

/** Roots of kernel pseudo-file systems: writing there fails or never ends. */
const kPseudoRoots = Object.freeze(['/proc', '/sys', '/dev']);

/** `path` with each temporary sibling's name replaced by the output it stands for. */
export function publicPath(path: string): string {
  return path.split(sep).map((segment) => kTempSegment.exec(segment)?.[1] ?? segment).join(sep);
}

interface ErrnoLike {
  code: string;
  path?: string;
  dest?: string;
  syscall?: string;
}

/** Whether `err` is a Node file-system error carrying an errno code. */
export function isFsError(err: unknown): err is Error & ErrnoLike {
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && /^E[A-Z]+$/.test(code);
}

const kReasons: Readonly<Record<string, (p: string) => string>> = {
  EROFS: (p) => `${p} is on a read-only file system: choose a writable place`,
  EACCES: (p) => `no permission to write ${p}: choose a place you may write to`,
  EPERM: (p) => `the operating system refused to change ${p}: choose another place`,
  ENOTDIR: (p) => `a part of ${p} is a file, not a folder: choose another path`,
  EISDIR: (p) => `${p} is a folder, not a file: choose another path`,
  EEXIST: (p) => `${p} already exists: choose another path, or pass --force to replace it`,
  ENOTEMPTY: (p) => `${p} is a folder that is not empty: choose another path`,
  ENOSPC: (p) => `no space left on the device holding ${p}: free some space or choose another disk`,
  EDQUOT: (p) => `the disk quota is used up where ${p} lives: free some space or choose another disk`,
  ENOENT: (p) => `${p} does not exist (or a folder on its path does not)`,
  ENAMETOOLONG: (p) => `the path ${p} is too long`,
  EMFILE: () => 'too many files are open',
  EBUSY: (p) => `${p} is busy (in use by another program)`,
  EIO: (p) => `an input/output error on the device holding ${p}`,
  EXDEV: (p) => `${p} is on another file system than its temporary sibling`,
};

/** A sentence for a file-system error; `target` names the output when known. */
export function describeFsError(err: Error & ErrnoLike, target?: string): string {
  const raw = err.path ?? target;
  const where = raw === undefined ? 'a file' : publicPath(raw);
  const reason = kReasons[err.code];
  if (reason !== undefined) return `cannot write ${target === undefined ? where : publicPath(target)}: ${reason(where)}`;
  const words = err.message.replace(/^E[A-Z]+:\s*/, '').replace(/,\s*\w+\s+'[^']*'(?:\s*->\s*'[^']*')?$/, '');
  return `file-system error on ${where}: ${words}`;
}

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p)) {
    const up = dirname(p);
    if (up === p) break;
    p = up;
  }
  return p;
}

export interface OutputCheck {
  /** What the path must be: a file or a folder. */
  kind: 'file' | 'folder';
  /** The flag naming it in messages (default '--out'). */
  flag?: string;
  /**
   * An existing output: 'refuse' it, 'replace' it (--force given), or 'update' it (a dataset
   * appended to, a profile resumed).
   */
  existing?: 'refuse' | 'replace' | 'update';
}

/** Throws, in words, when `path` cannot take this output; call before any work. */
export function checkOutputPath(path: string, check: OutputCheck): void {
  const flag = check.flag ?? '--out';
  const absolute = resolve(path);
  const anchor = nearestExisting(absolute);
  let real: string;
  try {
    real = join(realpathSync(anchor), absolute.slice(anchor.length));
  } catch {
    real = absolute;
  }
  const pseudo = kPseudoRoots.find((root) => real === root || real.startsWith(`${root}/`));
  if (pseudo !== undefined) {
    throw new Error(`${flag} ${path} is under ${pseudo}, a kernel pseudo-file system that holds no files: choose a path on a disk`);
  }
  if (existsSync(absolute)) {
    const isDir = statSync(absolute).isDirectory();
    if (check.kind === 'folder' && !isDir) throw new Error(`${flag} ${path} is a file, not a folder: choose another ${flag} (a folder to create)`);
    if (check.kind === 'file' && isDir) throw new Error(`${flag} ${path} is a folder, not a file: choose another ${flag} (a file)`);
    if ((check.existing ?? 'refuse') === 'refuse') throw new Error(`${path} already exists: choose another ${flag}, or pass --force to replace it`);
  }
  const parent = absolute === anchor ? dirname(absolute) : anchor;
  if (!statSync(parent).isDirectory()) {
    throw new Error(`${flag} ${path} cannot be created: ${parent} is a file, not a folder`);
  }
  try {
    accessSync(parent, constants.W_OK);
  } catch (err) {
    const code = isFsError(err) ? err.code : '';
    const why = code === 'EROFS' ? 'is on a read-only file system' : 'is read-only (no permission to write in it)';
    throw new Error(`${flag} ${path} cannot be written: the folder ${parent} ${why}; choose a writable place`);
  }
  const fs = statfsSync(parent);
  if (fs.blocks > 0 && fs.bavail === 0) {
    throw new Error(`${flag} ${path} cannot be written: no space left on the device holding ${parent}; free some space or choose another disk`);
  }
}

/** Throws, in words, when `dir` (an input folder) is missing or is not a folder. */
export function checkInputFolder(dir: string, flag: string): void {
  if (!existsSync(dir)) throw new Error(`${flag} ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`${flag} ${dir} is a file, not a directory: give the folder that holds the files`);
}

const kReadReasons: Record<string, string> = {
  ENOENT: 'it does not exist',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a folder on its path is a file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** An error for an input file that could not be read: what, where and why in words, and the fix. */
export function readFailure(what: string, path: string, err: unknown, fix?: string): Error {
  const code = (err as { code?: unknown } | null)?.code;
  const reason = typeof code === 'string' && kReadReasons[code] !== undefined
    ? kReadReasons[code]
    : (err instanceof Error ? err.message : String(err)).replace(/^E[A-Z]+:\s*/, '').replace(/,\s*\w+\s+'[^']*'$/, '');
  return new Error(`cannot read ${what} ${path}: ${reason}${fix === undefined ? '' : `: ${fix}`}`);
}
