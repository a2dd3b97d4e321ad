import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

/**
 * The floors of the house, bottom to top: a folder may import its own files and folders on
 * lower floors only (never one on its own floor or above).
 */
const kFloors: Readonly<Record<string, number>> = Object.freeze({
  util: 0,
  space: 1,
  latency: 2,
  supernet: 2,
  profiling: 3,
  predictors: 3,
  evolution: 4,
  compress: 4,
  pipeline: 5,
  scripts: 6,
  bench: 6,
});
/** Floors that must stay free of every runtime (a search worker loads them). */
const kRuntimeFree = Object.freeze(['util', 'space', 'latency', 'evolution']);
const kRuntime = /^(@tensorflow\/|onnxruntime)/;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

/** Every import specifier of a TypeScript file (static, dynamic, re-export, worker URL). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const re of [/\bfrom\s*'([^']+)'/g, /\bimport\(\s*'([^']+)'\s*\)/g, /new URL\(\s*'([^']+)'\s*,\s*import\.meta\.url/g]) {
    for (const m of text.matchAll(re)) out.push(m[1]);
  }
  return out;
}

/** Violations of the floors in the folders of `floors` under `base`: 'file -> imported'. */
export function floorViolations(base: string, floors: Readonly<Record<string, number>>): string[] {
  const bad: string[] = [];
  for (const folder of Object.keys(floors)) {
    for (const file of sources(join(base, folder))) {
      for (const spec of specifiers(file)) {
        if (!spec.startsWith('.')) {
          if (kRuntimeFree.includes(folder) && kRuntime.test(spec)) bad.push(`${relative(base, file)} -> ${spec}`);
          continue;
        }
        const target = relative(base, resolve(dirname(file), spec)).split('/')[0];
        if (target === folder || !(target in floors)) continue;
        if (floors[target] >= floors[folder]) bad.push(`${relative(base, file)} -> ${spec}`);
      }
    }
  }
  return bad;
}

describe('the floors of the house', () => {
  it('no folder imports one on its own floor or above, and the lower floors load no runtime', () => {
    assert.deepEqual(floorViolations(root, kFloors), []);
  });

  it('finds a violation where there is one (the check can fail)', () => {
    const inverted = Object.fromEntries(Object.entries(kFloors).map(([k, v]) => [k, 10 - v]));
    const bad = floorViolations(root, inverted);
    assert.ok(bad.some((b) => b.startsWith('scripts/')), bad.slice(0, 3).join('\n'));
  });
});
