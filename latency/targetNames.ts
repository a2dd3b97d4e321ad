/**
 * The names of every hardware target, one frozen table. A name here must have a file under
 * latency/targets/ registered in targets.ts, and the other way round (checked at load).
 */
export const kTargetNames = Object.freeze([
  // Proxies: a cost count per config, not a time.
  'macs',
  'params',
  'bitops',
  'bytes',
  // Analytic roofline estimates for devices that are not attached (latency/devices/*.json).
  'rpi4',
  'phone-big',
  'gpu-small',
  // Measured on this kind of machine: a latency profile made by 'hwnas profile' (models/profiles/).
  'ort-cpu',
  'tfjs-wasm',
  'tfjs-node',
] as const);

export type TargetName = (typeof kTargetNames)[number];

export function isTargetName(name: string): name is TargetName {
  return (kTargetNames as readonly string[]).includes(name);
}
