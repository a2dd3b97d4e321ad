/**
 * Analytic device specs: the numbers a roofline latency estimate needs for a device that is
 * not attached. Profiles are JSON files under latency/devices/ at the package root, validated
 * with a zod schema when loaded; past this boundary nothing re-checks them.
 *
 * Every number must name its source in `sources` (key = the number's dotted path, e.g.
 * "peakMacsPerSecond.fp32"), with the reasoning for derived numbers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { kLayerKinds } from '../space/layerCost.js';
import { findPackageRoot } from '../util/packageRoot.js';

const positive = z.number().finite().positive();
const fraction = z.number().gt(0).lte(1);

const peakSchema = z.strictObject({
  fp32: positive,
  int8: positive,
  /** Only for devices with native 4-bit arithmetic. */
  int4: positive.optional(),
});

const efficiencySchema = z.strictObject(
  Object.fromEntries(kLayerKinds.map((k) => [k, fraction])) as Record<(typeof kLayerKinds)[number], typeof fraction>,
);

export const deviceSpecSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lower-case letters, digits and dashes'),
    description: z.string().min(1),
    processor: z.enum(['cpu', 'gpu']),
    /** Largest useful thread count; compute peaks below are for all of them together. */
    maxThreads: z.number().int().positive(),
    /** Peak multiply-accumulates per second, per arithmetic precision. */
    peakMacsPerSecond: peakSchema,
    /** Sustained DRAM bandwidth (bytes read + written per second). */
    memoryBandwidthBytesPerSecond: positive,
    /** Fixed cost of launching one operator. */
    perOpOverheadMs: z.number().finite().nonnegative(),
    /** Fixed cost of one inference (runtime entry, input/output copies, synchronisation). */
    perInferenceOverheadMs: z.number().finite().nonnegative(),
    /** Fraction of peak MAC/s each operator kind reaches when compute-bound. */
    efficiency: efficiencySchema,
    sources: z.record(z.string(), z.string().min(1)),
  })
  .superRefine((p, ctx) => {
    const numbers = [
      'maxThreads',
      ...Object.keys(p.peakMacsPerSecond).map((k) => `peakMacsPerSecond.${k}`),
      'memoryBandwidthBytesPerSecond',
      'perOpOverheadMs',
      'perInferenceOverheadMs',
      ...kLayerKinds.map((k) => `efficiency.${k}`),
    ];
    for (const key of numbers) {
      if (!(key in p.sources)) {
        ctx.addIssue({ code: 'custom', path: ['sources', key], message: `every number needs a source: add sources["${key}"]` });
      }
    }
  });

export type DeviceSpec = z.infer<typeof deviceSpecSchema>;
export type Precision = keyof DeviceSpec['peakMacsPerSecond'];

/** Directory holding the shipped profiles: <package root>/latency/devices. */
export function deviceSpecDir(): string {
  return join(findPackageRoot(import.meta.url), 'latency', 'devices');
}

/** Validates parsed JSON as a device spec; `origin` names it in error messages. */
export function parseDeviceSpec(data: unknown, origin: string): DeviceSpec {
  const result = deviceSpecSchema.safeParse(data);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`device spec ${origin} is invalid:\n${issues}`);
  }
  return result.data;
}

/** Reads and validates a profile from any JSON file. */
export function loadDeviceSpecFile(path: string): DeviceSpec {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`cannot read device spec ${path}: ${(err as Error).message}`, { cause: err });
  }
  return parseDeviceSpec(data, path);
}

/** Names of the shipped profiles (file names without .json), sorted. */
export function listDeviceSpecs(): string[] {
  return readdirSync(deviceSpecDir())
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

const cache = new Map<string, DeviceSpec>();

/** Loads a shipped profile by name (cached). The file name and the profile's `name` must agree. */
export function loadDeviceSpec(name: string): DeviceSpec {
  const hit = cache.get(name);
  if (hit) return hit;
  const valid = listDeviceSpecs();
  if (!valid.includes(name)) {
    throw new Error(`unknown device spec '${name}': shipped profiles are ${valid.join(', ')} (in ${deviceSpecDir()})`);
  }
  const path = join(deviceSpecDir(), `${name}.json`);
  const profile = loadDeviceSpecFile(path);
  if (profile.name !== name) throw new Error(`device spec ${path} is named '${profile.name}'; rename the file or the profile`);
  cache.set(name, profile);
  return profile;
}
