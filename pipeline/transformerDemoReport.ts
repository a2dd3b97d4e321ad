/**
 * The report of `hwnas demo --space fashion-vit`, in the CNN demo's shape (demoReport.ts):
 * report.md - what ran (the shipped artifacts, the budgets, the search settings, the machine
 * with its CPU flags), predicted against measured per target and budget, the chosen configs,
 * the Pareto plots - and report.json with the same numbers.
 */
import type { MachineInfo } from '../profiling/machine.js';
import { transformerConfigKey } from '../space/transformer/configs.js';
import { transformerCost } from '../space/transformer/cost.js';
import type { TransformerSpace } from '../space/transformer/types.js';
import { budgetLine, paretoSection, reportHeading, type BudgetBasis } from './demoReport.js';
import { formatLatency } from './latencyArg.js';
import { targetSlug } from './searchOutput.js';
import { formatTable, markdownTable } from './table.js';
import type { TransformerRunResult } from './transformerDemo.js';
import { describeMachine } from './verifyReport.js';

export interface TransformerDemoReport {
  space: TransformerSpace;
  /** Shipped artifacts as shown (paths relative to the package root). */
  supernet: string;
  supernetSteps: string;
  predictor: string;
  latencyKind: string;
  /** Profile file (as shown) and the machine it was measured on, per target. */
  profiles: Record<string, { file: string; machine: MachineInfo }>;
  search: { population: number; generations: number; seed: number; seconds: number };
  budgets: readonly BudgetBasis[];
  results: readonly TransformerRunResult[];
  machine: MachineInfo;
  testImages: number;
  seconds: number;
  createdAt: Date;
}

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;

/** The measured median's signed error against the prediction, percent. */
function errorPercent(r: TransformerRunResult): number {
  return (100 * (r.row.predictedMs - r.row.measuredMs)) / r.row.measuredMs;
}

const kHeader = ['target', 'budget', 'predicted acc (val)', 'test acc (ONNX)', 'predicted latency', "measured median (profile's speed)", 'as timed', 'error %', 'within budget'];

function cells(r: TransformerRunResult): string[] {
  const { row, run } = r;
  const e = errorPercent(r);
  return [
    run.target, formatLatency(run.max as number, 'ms'), pct(row.predictedAccuracy), pct(row.testAccuracy), formatLatency(row.predictedMs, 'ms'),
    `${formatLatency(row.measuredMs, 'ms')}${row.noisy ? ' (noisy)' : ''}`, formatLatency(row.rawMs, 'ms'), `${e >= 0 ? '+' : ''}${e.toFixed(1)}%`,
    row.measuredMs <= (run.max as number) ? 'yes' : 'no',
  ];
}

/** The printed table of predicted against measured, a row per search. */
export function transformerDemoTable(results: readonly TransformerRunResult[]): string {
  return formatTable(kHeader, results.map(cells));
}

function configSection(space: TransformerSpace, r: TransformerRunResult): string[] {
  const { row, run } = r;
  const cost = transformerCost(space, row.config);
  return [
    `### ${run.target} <= ${formatLatency(run.max as number, 'ms')}`,
    '',
    `- config: ${transformerConfigKey(row.config)}, MACs ${(cost.macs / 1e6).toFixed(2)}M, params ${(cost.params / 1e3).toFixed(1)}K, fp32`,
    `- accuracy: predicted ${pct(row.predictedAccuracy)} (val), measured ${pct(row.testAccuracy)} (test, exported ONNX in onnxruntime)`,
    `- latency: predicted ${formatLatency(row.predictedMs, 'ms')}, measured ${formatLatency(row.measuredMs, 'ms')} at the profile's speed ` +
      `(${formatLatency(row.rawMs, 'ms')} as timed)${row.noisy ? ', NOISY: the spread stayed above the target after the last round' : ''}`,
    `- files: [${run.file}](search/${run.file}), [${row.onnx}](${r.verifyDir}/${row.onnx}) (fp32 ONNX, ${(row.bytes / 1024).toFixed(1)} KB), ` +
      `[${row.tfjs}/](${r.verifyDir}/${row.tfjs}) (the same model as a tfjs graph-model folder), ` +
      `[verify.json](${r.verifyDir}/verify.json), [Pareto plot](search/pareto-${targetSlug(run.target)}.svg)`,
    '',
    '```json',
    JSON.stringify(row.config),
    '```',
    '',
  ];
}

/** report.md */
export function transformerDemoMarkdown(r: TransformerDemoReport): string {
  const targets = [...new Set(r.results.map((x) => x.run.target))];
  return [
    ...reportHeading(r.createdAt, r.seconds),
    `- SuperTransformer: ${r.supernet} (space ${r.space.name}, ${r.supernetSteps} training steps)`,
    `- accuracy predictor: ${r.predictor}`,
    ...targets.map((t) => `- latency on ${t}: predicted by the ${r.latencyKind} model of the transformer latency profile ${r.profiles[t].file}, ` +
      `measured on ${describeMachine(r.profiles[t].machine)}`),
    `- search: HAT's evolutionary search, population ${r.search.population}, ${r.search.generations} generations, seed ${r.search.seed} per target and budget ` +
      `(${r.search.seconds.toFixed(1)} s in all)`,
    `- machine: ${describeMachine(r.machine)}`,
    '- budgets:',
    ...r.budgets.map((b) => `  ${budgetLine(b)}`),
    '',
    '## Predicted vs measured',
    '',
    `Predicted accuracy is the predictor's, on val; measured accuracy is the exported model's on all ${r.testImages.toLocaleString('en-US')} test images. ` +
      "Each model is timed on its target (batch 1, the profile's thread count) in rounds alternating with the profile's reference SubTransformer, " +
      "and its median put at the profile's speed by the reference's time now against its profiled time (`as timed`: before that).",
    '',
    markdownTable([...kHeader, 'model'], r.results.map((x) => [...cells(x), `[${x.row.onnx}](${x.verifyDir}/${x.row.onnx})`])),
    '',
    '## Chosen configs',
    '',
    ...r.results.flatMap((x) => configSection(r.space, x)),
    ...paretoSection(targets),
  ].join('\n');
}

/** report.json */
export function transformerDemoJson(r: TransformerDemoReport): string {
  return `${JSON.stringify({
    format: 'hwnas-demo', version: 1, kind: 'transformer', createdAt: r.createdAt.toISOString(), seconds: r.seconds,
    space: r.space, supernet: r.supernet, supernetSteps: r.supernetSteps, predictor: r.predictor, latencyKind: r.latencyKind,
    profiles: r.profiles, machine: r.machine, search: r.search, budgets: r.budgets, testImages: r.testImages,
    runs: r.results.map((x) => {
      const { onnx, tfjs, ...row } = x.row;
      return {
        target: x.run.target, budget: x.run.max, results: `search/${x.run.file}`, model: `${x.verifyDir}/${onnx}`, tfjsModel: `${x.verifyDir}/${tfjs}`,
        ...row, macs: transformerCost(r.space, row.config).macs, errorPercent: errorPercent(x),
      };
    }),
  }, null, 2)}\n`;
}
