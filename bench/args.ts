/**
 * Flags of the standalone benchmarks: parsed with node's parseArgs plus --help; a bad flag, or
 * any error the benchmark throws later, ends it with `name: message` and exit code 1 (the stack
 * only with HWNAS_DEBUG), never a raw stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Ends benchmark `name` with its error's message (the stack only with HWNAS_DEBUG) and exit code 1. */
export function fail(name: string, err: unknown): never {
  process.stderr.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`);
  if (process.env.HWNAS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  process.exit(1);
}

/** One usage line per flag, with its default. */
export function usageOf(command: string, options: Options): string {
  const lines = Object.entries(options).map(([flag, o]) =>
    `--${flag}${o.type === 'string' ? ' <value>' : ''}${o.default !== undefined && o.type === 'string' ? ` (default ${String(o.default)})` : ''}`);
  return [`npm run ${command} -- [flags]`, ...lines, '--help'].join('\n  ');
}

/** The parsed flags of benchmark `command` (e.g. 'bench:quant'); exits on --help or a bad flag. */
export function benchArgs<const O extends Options>(command: string, options: O): ReturnType<typeof parseArgs<{ options: O }>>['values'] {
  process.on('uncaughtException', (err) => fail(command, err));
  let values: Record<string, unknown>;
  try {
    values = parseArgs({ options: { ...options, help: { type: 'boolean', default: false } } }).values;
  } catch (err) {
    fail(command, new Error(`${(err as Error).message}\nusage: ${usageOf(command, options)}`));
  }
  if (values.help === true) {
    console.log(`usage: ${usageOf(command, options)}`);
    process.exit(0);
  }
  return values as ReturnType<typeof parseArgs<{ options: O }>>['values'];
}

/** An integer flag value >= `min`; the error names the flag. */
export function intFlag(name: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer >= ${min} (got '${value}')`);
  return n;
}
