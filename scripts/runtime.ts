/** Start-up shared by commands: the package version, and backend initialisation, printed once per command. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findPackageRoot } from '../hardware/packageRoot.js';
import { initBackend, type BackendInfo } from '../supernet/backend/backend.js';
import type { CommonOptions } from './options.js';

/** The hwnas version (`hwnas --version`, and the producer written into exported files). */
export const kPackageVersion: string = (JSON.parse(readFileSync(join(findPackageRoot(import.meta.url), 'package.json'), 'utf8')) as { version: string }).version;

export async function startBackend(opts: CommonOptions, threads?: number): Promise<BackendInfo> {
  const info = await initBackend({ backend: opts.backend, threads });
  process.stderr.write(`backend: tfjs-${info.name} ${info.version} (${info.threads} thread${info.threads === 1 ? '' : 's'})\n`);
  return info;
}
