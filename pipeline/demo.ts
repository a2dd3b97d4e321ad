/**
 * The demo's plan as library functions: its space and targets, the shipped profile per measured
 * target, the budgets (the standard models' predicted latency where the space holds them, else
 * fractions of the largest subnet's), and the search runs they make.
 */
import { createTargetModel, type ResolvedTarget } from '../latency/targets.js';
import { layersOf } from '../space/layers.js';
import { largestConfig } from '../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../space/types.js';
import type { BudgetBasis } from './demoReport.js';
import { planSearchRuns } from './search.js';
import type { SearchRun } from './searchOutput.js';
import { kShipped, type ShippedArtifact, type ShippedCnn, type ShippedTransformer } from './shippedModels.js';

export const kDemoTargets = Object.freeze(['ort-cpu:1', 'ort-cpu:2']);
/** Budgets as fractions of the largest subnet's predicted latency on each target, in a space without standard models. */
export const kDemoBudgetFractions = Object.freeze([0.5, 0.75]);
export const kDemoPopulation = 100;
/** Finalists of each search measured on val before choosing (`hwnas search --rerank`). */
export const kDemoRerank = 5;

/** The demo `--space` asks for: a CNN one on its shipped supernet, or the transformer one (pipeline/transformerDemo.ts). */
export type DemoSpace = { kind: 'cnn'; shipped: ShippedCnn } | { kind: 'transformer'; shipped: ShippedTransformer };

/**
 * The demo of `--space name`: hwnas ships artifacts for the CNN spaces of kShipped.cnn (none
 * given: the first, fashion-hybrid) and for kShipped.transformer's.
 */
export function demoSpace(name: string | undefined): DemoSpace {
  const vit = kShipped.transformer;
  const cnn = Object.values(kShipped.cnn);
  if (name === undefined) return { kind: 'cnn', shipped: cnn[0] };
  if (name === vit.space) return { kind: 'transformer', shipped: vit };
  if (Object.hasOwn(kShipped.cnn, name)) return { kind: 'cnn', shipped: kShipped.cnn[name] };
  const spaces = [...cnn.map((c) => `${c.space} (${c.supernet.file})`), `${vit.space} (${vit.supernet.file})`];
  throw new Error(
    `--space ${name}: the demo runs on shipped artifacts, which hwnas has for spaces ${spaces.join(', ')} only: ` +
      `give one of those, or search and verify a checkpoint of your own with 'hwnas search --checkpoint FILE' and 'hwnas verify'`,
  );
}

/**
 * The shipped profile (of `shipped`'s space) of each measured target, keyed by the spec as
 * given, that `given` (the --profile values) names no profile for; throws for one that has none shipped.
 */
export function demoProfiles(targets: readonly ResolvedTarget[], given: Record<string, string> = {}, shipped: ShippedCnn = Object.values(kShipped.cnn)[0]): Record<string, ShippedArtifact> {
  const out: Record<string, ShippedArtifact> = {};
  for (const t of targets) {
    const target = t.given;
    if (t.kind !== 'measured' || given[target] !== undefined) continue;
    const profile = shipped.profiles[t.spec];
    if (profile === undefined) {
      throw new Error(
        `--target ${target}: the demo runs on shipped latency profiles, and hwnas ships them for ${Object.keys(shipped.profiles).join(' and ')} only: ` +
          `use one of those, an estimate or proxy target (e.g. rpi4, macs), or name a profile of your own with --profile ${target}=FILE`,
      );
    }
    out[target] = profile;
  }
  return out;
}

/**
 * Per target, the predicted latency there of each standard model of `space` (`references`:
 * name -> config, e.g. ResNet-8 and ResNet-14): the budgets at which the searched models must
 * beat them. Null when `space` has none (its budgets are fractions of the largest subnet's).
 */
export async function referenceBudgets(
  space: SearchSpace, targets: readonly ResolvedTarget[], profiles: Record<string, string>, references: Readonly<Record<string, SubnetConfig>>,
): Promise<BudgetBasis[] | null> {
  const named = Object.entries(references);
  if (named.length === 0) return null;
  return Promise.all(targets.map(async (t) => {
    const model = await createTargetModel(t, (cfg) => layersOf(space, cfg), { profile: profiles[t.given] });
    const latencies = model.predict(named.map(([, c]) => c));
    return { target: t.given, unit: model.unit, references: named.map(([name], k) => ({ name, latency: latencies[k] })) };
  }));
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

/** Each basis's budgets, in order, with the standard model that set each (undefined for a fraction). */
function basisBudgets(b: BudgetBasis): { latency: number; reference?: string }[] {
  return b.references?.map((r) => ({ latency: r.latency, reference: r.name })) ?? (b.fractions ?? []).map((f) => ({ latency: f * (b.largest as number) }));
}

/** The search runs: the given --max-latency pairs, else each target at each computed budget (4 significant digits). */
export function demoRuns(targets: readonly string[], maxLatencies: readonly string[], bases: readonly BudgetBasis[]): SearchRun[] {
  if (maxLatencies.length > 0) return planSearchRuns(targets, maxLatencies, false);
  const pairs = bases.flatMap((b) => basisBudgets(b).map((x) => [b.target, String(Number(x.latency.toPrecision(4)))]));
  return planSearchRuns(pairs.map((p) => p[0]), pairs.map((p) => p[1]), false);
}

/** The standard model whose latency set each run of `demoRuns(targets, maxLatencies, bases)`, by run index (none for given budgets). */
export function demoRunReferences(maxLatencies: readonly string[], bases: readonly BudgetBasis[]): (string | undefined)[] {
  return maxLatencies.length > 0 ? maxLatencies.map(() => undefined) : bases.flatMap((b) => basisBudgets(b).map((x) => x.reference));
}
