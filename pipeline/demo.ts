/**
 * The demo's plan as library functions: its targets and budget fractions, the shipped profile
 * per measured target, the budgets computed from the largest subnet's predicted latency, and
 * the search runs they make.
 */
import { createTargetModel, type ResolvedTarget } from '../latency/targets.js';
import { layersOf } from '../space/layers.js';
import { largestConfig } from '../space/searchSpace.js';
import type { SearchSpace } from '../space/types.js';
import type { BudgetBasis } from './demoReport.js';
import { planSearchRuns } from './search.js';
import type { SearchRun } from './searchOutput.js';
import { kShipped, type ShippedArtifact, type ShippedTransformer } from './shippedModels.js';

export const kDemoTargets = Object.freeze(['ort-cpu:1', 'ort-cpu:2']);
/** Budgets as fractions of the largest subnet's predicted latency on each target. */
export const kDemoBudgetFractions = Object.freeze([0.5, 0.75]);
export const kDemoPopulation = 100;
/** Finalists of each search measured on val before choosing (`hwnas search --rerank`). */
export const kDemoRerank = 5;

/** The demo `--space` asks for: the CNN one on the shipped supernet, or the transformer one (pipeline/transformerDemo.ts). */
export type DemoSpace = { kind: 'cnn' } | { kind: 'transformer'; shipped: ShippedTransformer };

/**
 * The demo of `--space name` (none: the CNN one). hwnas ships artifacts for two spaces: its
 * supernet's (`cnnSpace()`, read from the checkpoint only when needed) and kShipped.transformer's.
 */
export function demoSpace(name: string | undefined, cnnSpace: () => string): DemoSpace {
  const vit = kShipped.transformer;
  if (name === undefined) return { kind: 'cnn' };
  if (name === vit.space) return { kind: 'transformer', shipped: vit };
  const cnn = cnnSpace();
  if (name === cnn) return { kind: 'cnn' };
  throw new Error(
    `--space ${name}: the demo runs on shipped artifacts, which hwnas has for spaces ${cnn} (${kShipped.supernet.file}) and ${vit.space} (${vit.supernet.file}) only: ` +
      `give one of those, or search and verify a checkpoint of your own with 'hwnas search --checkpoint FILE' and 'hwnas verify'`,
  );
}

/**
 * The shipped profile of each measured target (keyed by the spec as given) that `given` (the
 * --profile values) names no profile for; throws for one that has none shipped.
 */
export function demoProfiles(targets: readonly ResolvedTarget[], given: Record<string, string> = {}): Record<string, ShippedArtifact> {
  const out: Record<string, ShippedArtifact> = {};
  for (const t of targets) {
    const target = t.given;
    if (t.kind !== 'measured' || given[target] !== undefined) continue;
    const shipped = kShipped.profiles[t.spec];
    if (shipped === undefined) {
      throw new Error(
        `--target ${target}: the demo runs on shipped latency profiles, and hwnas ships them for ${Object.keys(kShipped.profiles).join(' and ')} only: ` +
          `use one of those, an estimate or proxy target (e.g. rpi4, macs), or name a profile of your own with --profile ${target}=FILE`,
      );
    }
    out[target] = shipped;
  }
  return out;
}

/** Per target, `fractions` of the largest subnet's predicted latency there. */
export async function computedBudgets(
  space: SearchSpace, targets: readonly ResolvedTarget[], profiles: Record<string, string>, fractions: readonly number[],
): Promise<BudgetBasis[]> {
  const largest = largestConfig(space);
  return Promise.all(targets.map(async (t) => {
    const model = await createTargetModel(t, (cfg) => layersOf(space, cfg), { profile: profiles[t.given] });
    return { target: t.given, unit: model.unit, largest: model.predict([largest])[0], fractions };
  }));
}

/** The search runs: the given --max-latency pairs, else each target at each computed budget (4 significant digits). */
export function demoRuns(targets: readonly string[], maxLatencies: readonly string[], bases: readonly BudgetBasis[]): SearchRun[] {
  if (maxLatencies.length > 0) return planSearchRuns(targets, maxLatencies, false);
  const pairs = bases.flatMap((b) => (b.fractions ?? []).map((f) => [b.target, String(Number((f * (b.largest as number)).toPrecision(4)))]));
  return planSearchRuns(pairs.map((p) => p[0]), pairs.map((p) => p[1]), false);
}
