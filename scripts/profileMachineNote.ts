/**
 * The note `hwnas search`, `verify` and `demo` print before any work when a latency profile
 * they use was measured on another machine (profiling/profileMachine.ts).
 */
import { profilesUsed } from '../pipeline/search.js';
import { checkProfileMachines, describeMachineChecks } from '../profiling/profileMachine.js';

/** Writes one warning per profile of `targets` (given ones, else the shipped defaults) from another machine. */
export async function noteProfileMachines(targets: readonly string[], given: Record<string, string>): Promise<void> {
  const checks = await checkProfileMachines(profilesUsed(targets, given));
  for (const line of describeMachineChecks(checks)) process.stderr.write(`warning: ${line}\n`);
}
