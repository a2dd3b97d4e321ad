/** Start-up shared by commands: backend initialisation, printed once per command (and the package version, re-exported). */
import { initBackend, type BackendInfo } from '../supernet/backend/backend.js';
import type { CommonOptions } from './options.js';

export { kPackageVersion } from '../util/packageRoot.js';

export async function startBackend(opts: CommonOptions, threads?: number): Promise<BackendInfo> {
  const info = await initBackend({ backend: opts.backend, threads });
  process.stderr.write(`backend: tfjs-${info.name} ${info.version} (${info.threads} thread${info.threads === 1 ? '' : 's'})\n`);
  return info;
}
