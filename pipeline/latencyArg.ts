/**
 * Latency budgets as given on the command line: '1.5ms', '1500us', '0.0015s' or a bare number
 * in the target's unit. Targets whose unit is not a time (proxies such as MACs) take a bare
 * number or the unit itself as the suffix ('6MMAC').
 */
const kTimeScale: Readonly<Record<string, number>> = { s: 1000, ms: 1, us: 1e-3, 'µs': 1e-3, ns: 1e-6 };

/** The value of `text` in `unit` (the target's unit); throws naming the target and the accepted forms. */
export function parseLatency(text: string, unit: string, target: string): number {
  const m = /^\s*([0-9]*\.?[0-9]+(?:e[-+]?[0-9]+)?)\s*([a-zµ]*)\s*$/i.exec(text);
  const forms = unit === 'ms' ? `e.g. 1.5ms, 1500us, 0.0015s or 1.5 (ms)` : `a number in ${unit}, e.g. 5 or 5${unit}`;
  if (/^\s*-/.test(text)) throw new RangeError(`invalid --max-latency '${text}' for ${target}: it is negative, and a budget must be positive (${forms})`);
  if (m === null) throw new RangeError(`invalid --max-latency '${text}' for ${target}: expected ${forms}`);
  const value = Number(m[1]);
  const suffix = m[2];
  let result: number;
  if (suffix === '' || suffix.toLowerCase() === unit.toLowerCase()) {
    result = value;
  } else if (unit === 'ms' && Object.hasOwn(kTimeScale, suffix.toLowerCase())) {
    result = value * kTimeScale[suffix.toLowerCase()];
  } else {
    throw new RangeError(`invalid --max-latency '${text}' for ${target}: its predictions are in ${unit}, so expected ${forms}`);
  }
  if (!Number.isFinite(result)) throw new RangeError(`invalid --max-latency '${text}' for ${target}: the number is too large to be a budget (${forms})`);
  if (!(result > 0)) throw new RangeError(`invalid --max-latency '${text}' for ${target}: a budget must be positive`);
  return result;
}

/** A compact label for a budget: '1.5 ms', '6 MMAC'. */
export function formatLatency(value: number, unit: string): string {
  return `${Number(value.toPrecision(4))} ${unit}`;
}
