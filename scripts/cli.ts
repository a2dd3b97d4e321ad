#!/usr/bin/env node
/**
 * The `hwnas` command line. Each subcommand lives in `scripts/commands/` and registers itself
 * here; side effects (argv, printing, exit codes, progress bars) stay in `scripts/`.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { kPackageVersion } from './runtime.js';
import { describeFsError, isFsError } from '../util/fsErrors.js';

export function buildProgram(): Command {
  const program = new Command('hwnas')
    .description('Hardware-aware neural architecture search and compression')
    .version(kPackageVersion)
    .showHelpAfterError('(run hwnas --help for usage)')
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit with code 0; usage errors were already printed by commander.
      return err.exitCode;
    }
    // File-system failures in words, naming the output rather than a temporary sibling.
    const message = isFsError(err) ? describeFsError(err) : err instanceof Error ? err.message : String(err);
    process.stderr.write(`hwnas: ${message}\n`);
    if (process.env.HWNAS_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

const code = await main(process.argv);
// Worker pools and wasm keep handles open; exit explicitly once the command is done.
process.exit(code);
