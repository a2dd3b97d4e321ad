/**
 * Locates the hwnas package root, so that data files shipped beside the code (device specs
 * under latency/devices/) are found both from the TypeScript sources and from the compiled
 * dist/ tree, wherever the package is installed.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const kPackageName = 'hwnas';

function isPackageRoot(dir: string): boolean {
  const file = join(dir, 'package.json');
  if (!existsSync(file)) return false;
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === kPackageName;
  } catch {
    return false;
  }
}

/**
 * The nearest directory at or above `from` (a file URL or path) holding the package.json of
 * hwnas. Throws when there is none.
 */
export function findPackageRoot(from: string | URL = import.meta.url): string {
  const start = typeof from === 'string' && !from.startsWith('file:') ? from : fileURLToPath(from);
  let dir = start;
  for (;;) {
    if (isPackageRoot(dir)) return dir;
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`no package.json named '${kPackageName}' found at or above ${start}: is the hwnas package installed intact?`);
    }
    dir = parent;
  }
}

/** The hwnas version (`hwnas --version`, and the producer written into exported files). */
export const kPackageVersion: string = (JSON.parse(readFileSync(join(findPackageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string }).version;
