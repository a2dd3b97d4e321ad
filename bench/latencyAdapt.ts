/**
 * How well does a latency profile from another machine, adapted with N whole-subnet
 * measurements here (`hwnas profile --adapt`), predict this machine? A pool of fresh random
 * subnets per precision group is measured twice on this machine (the second pass in reverse
 * order: its agreement with the first is the re-measurement noise, the ceiling any predictor
 * of one measurement can reach). Each subnet is timed beside the reference subnet and put at
 * the machine's typical speed, as `hwnas profile` does; the raw re-measurement is shown too.
 * Quantized subnets run with the int8 weight container that is faster here, as `hwnas profile
 * --adapt` measures them and exports for this target deploy them. For each N, `--draws` random
 * training sets of N pool subnets (split over the groups) adapt the source profile; the rest of
 * the pool is held out. A source with an older version's model is re-fitted first, as `hwnas
 * profile --adapt` does; each draw then also adapts its own model, side by side.
 *
 *   npm run bench:latency-adapt -- [--profile models/profiles/ort-cpu-1.json] [--pool 40]
 *     [--samples 5,10,20,50] [--draws 10] [--full FILE] [--json FILE]
 *
 * --full: a profile measured in full on this machine, shown on the same held-out subnets.
 */
import os from 'node:os';
import { writeFileSync } from 'node:fs';
import { loadLatencyProfile, type LatencyProfile } from '../latency/latencyProfile.js';
import { ProfileLatencyModel } from '../latency/ProfileLatencyModel.js';
import { defaultProfilePath } from '../latency/measuredTarget.js';
import { adaptModel } from '../profiling/adaptProfile.js';
import { adaptableSource, sourceNote, spreadWeight } from '../profiling/fittedProfile.js';
import { createBenchRuntime } from '../profiling/benchRuntime.js';
import { compareInt8Containers, withContainer } from '../profiling/int8Container.js';
import { kDefaultSampler } from '../profiling/interleaved.js';
import { cpuFlags, machineDifferences, machineInfo } from '../profiling/machine.js';
import { atTypicalSpeed, measureSubnet, referenceConfig, subnetGraph } from '../profiling/measureSubnet.js';
import { sampleSubnets, subnetGroups, splitCount, type SubnetGroup } from '../profiling/subnetSets.js';
import { markdownTable } from '../pipeline/table.js';
import { Rng } from '../space/rng.js';
import { configKey } from '../space/searchSpace.js';
import { layersOf } from '../space/layers.js';
import type { SubnetConfig } from '../space/types.js';
import { mape, mean, median, shareWithin, spearman } from '../util/stats.js';
import { benchArgs, fail } from './args.js';

const kName = 'bench:latency-adapt';
const args = benchArgs(kName, {
  profile: { type: 'string', default: defaultProfilePath('ort-cpu', 1) },
  pool: { type: 'string', default: '40' },
  samples: { type: 'string', default: '5,10,20,50' },
  draws: { type: 'string', default: '10' },
  seed: { type: 'string', default: '9001' },
  full: { type: 'string' },
  json: { type: 'string' },
});

interface Measured {
  group: SubnetGroup;
  config: SubnetConfig;
  ms: number;
  again: number;
  spread: number;
}

interface Agreement {
  within10: number;
  mape: number;
  spearman: number;
}

function agreement(predicted: ArrayLike<number>, actual: ArrayLike<number>): Agreement {
  return { within10: shareWithin(predicted, actual, 10), mape: mape(predicted, actual), spearman: spearman(predicted, actual) };
}

function positiveInts(flag: string, text: string): number[] {
  const xs = text.split(',').map(Number);
  if (xs.some((x) => !Number.isInteger(x) || x < 1)) fail(kName, `--${flag} must be positive integers separated by commas (got '${text}')`);
  return xs;
}

/** N pool indices, split over the groups as a profile splits its subnets. */
function drawTraining(pool: readonly Measured[], groups: readonly SubnetGroup[], n: number, rng: Rng): Set<number> {
  const counts = splitCount(n, groups.length);
  const picked = new Set<number>();
  groups.forEach((group, g) => {
    const ids = pool.flatMap((m, i) => (m.group === group ? [i] : []));
    for (let k = 0; k < counts[g] && ids.length > 0; k++) picked.add(ids.splice(Math.floor(rng.next() * ids.length), 1)[0]);
  });
  return picked;
}

async function main(): Promise<void> {
  // Adapted as `hwnas profile --adapt` adapts: an older version's model re-fitted first.
  const given: LatencyProfile = loadLatencyProfile(args.profile);
  const prepared = adaptableSource(given, args.profile);
  const { profile: source, refit } = prepared;
  const [poolPerGroup] = positiveInts('pool', args.pool);
  const sizes = positiveInts('samples', args.samples);
  const [draws] = positiveInts('draws', args.draws);
  const seed = Number(args.seed);
  const full = args.full !== undefined ? loadLatencyProfile(args.full) : undefined;
  const runtime = await createBenchRuntime(source.target, source.threads);
  const here = machineInfo(runtime);
  const { space } = source;
  const groups = subnetGroups(source.bits);
  const exclude = new Set([...source.subnets, ...(full?.subnets ?? [])].map((s) => configKey(space, s.config)));
  const configs = groups.flatMap((group, g) => sampleSubnets(space, group, poolPerGroup, seed + 7919 * g, exclude).map((config) => ({ group, config })));
  const t0 = Date.now();
  const int8 = await compareInt8Containers(runtime, space, kDefaultSampler);
  const measuring = int8 === null ? runtime : withContainer(runtime, int8.weightType);
  // Every subnet is timed beside the reference subnet, and all times put at the machine's
  // typical speed over the run (the reference's median), as profiles and adaptations are.
  const reference = subnetGraph(measuring, space, source.reference?.config ?? referenceConfig(space));
  const time = (c: (typeof configs)[number]) => measureSubnet(measuring, space, c.group, c.config, kDefaultSampler, undefined, reference);
  const first: Awaited<ReturnType<typeof time>>[] = [];
  for (const c of configs) first.push(await time(c));
  const second = new Array<Awaited<ReturnType<typeof time>>>(configs.length);
  for (let i = configs.length - 1; i >= 0; i--) second[i] = await time(configs[i]);
  const typicalRefMs = median([...first, ...second].map((m) => m.refMs as number));
  const rawNoise = agreement(second.map((m) => m.ms), first.map((m) => m.ms));
  const pool: Measured[] = configs.map((c, i) => ({
    ...c, ms: atTypicalSpeed(first[i].ms, first[i].refMs, typicalRefMs), spread: first[i].spread,
    again: atTypicalSpeed(second[i].ms, second[i].refMs, typicalRefMs),
  }));
  const seconds = (Date.now() - t0) / 1000;

  const lower = (cfg: SubnetConfig) => layersOf(space, cfg);
  const allActual = pool.map((m) => m.ms);
  const noise = agreement(pool.map((m) => m.again), allActual);
  const unadapted = agreement(new ProfileLatencyModel(given, lower).predict(pool.map((m) => m.config)), allActual);
  const rows: (string | number)[][] = [];
  const fmt = (a: Agreement) => [`${(100 * a.within10).toFixed(1)}%`, a.mape.toFixed(1), a.spearman.toFixed(3)];
  rows.push(['0 (source as is)', pool.length, ...fmt(unadapted), '-', '-', '-']);
  const results: Record<string, unknown>[] = [];
  const rng = new Rng(seed);
  for (const n of sizes) {
    if (n >= pool.length) fail(kName, `--samples ${n} leaves no held-out subnet in a pool of ${pool.length}: raise --pool`);
    const per: Agreement[] = [];
    const perGroup = new Map<SubnetGroup, number[]>(groups.map((g) => [g, []]));
    const asGiven: number[] = [];
    for (let d = 0; d < draws; d++) {
      const train = drawTraining(pool, groups, n, rng);
      const samples = [...train].map((i) => ({ config: pool[i].config, ms: pool[i].ms, weight: spreadWeight(pool[i].spread) }));
      const held = pool.filter((_, i) => !train.has(i));
      const predicted = new ProfileLatencyModel({ ...source, model: adaptModel(source, samples).model }, lower).predict(held.map((m) => m.config));
      per.push(agreement(predicted, held.map((m) => m.ms)));
      for (const g of groups) {
        const mine = held.flatMap((m, i) => (m.group === g ? [i] : []));
        if (mine.length > 0) perGroup.get(g)!.push(shareWithin(mine.map((i) => predicted[i]), mine.map((i) => held[i].ms), 10));
      }
      // The same draw adapting the source's own older model, as adaptations did before re-fitting it.
      if (refit) asGiven.push(agreement(new ProfileLatencyModel({ ...given, model: adaptModel(given, samples).model }, lower).predict(held.map((m) => m.config)), held.map((m) => m.ms)).within10);
    }
    const avg: Agreement = { within10: mean(per.map((a) => a.within10)), mape: mean(per.map((a) => a.mape)), spearman: mean(per.map((a) => a.spearman)) };
    // A group the draws left no held-out subnet of has no share (null).
    const groupMeans = groups.map((g) => (perGroup.get(g)!.length > 0 ? mean(perGroup.get(g)!) : null));
    rows.push([n, pool.length - n, ...fmt(avg), groupMeans.map((x) => (x === null ? '-' : (100 * x).toFixed(0))).join(' / '), `${(100 * Math.min(...per.map((a) => a.within10))).toFixed(1)}%`,
      refit ? `${(100 * mean(asGiven)).toFixed(1)}%` : '-']);
    results.push({
      samples: n, heldOut: pool.length - n, draws, mean: avg, worstWithin10: Math.min(...per.map((a) => a.within10)),
      groupWithin10: Object.fromEntries(groups.map((g, i) => [g, groupMeans[i]])), ...(refit ? { sourceModelScaledWithin10: mean(asGiven) } : {}),
    });
  }
  let fullAgreement: Agreement | undefined;
  if (full !== undefined) {
    // A full profile predicts at its own reference speed: put its predictions at this run's.
    const scale = full.reference !== undefined ? typicalRefMs / full.reference.ms : 1;
    fullAgreement = agreement(Array.from(new ProfileLatencyModel(full, lower).predict(pool.map((m) => m.config)), (ms) => ms * scale), allActual);
    rows.push(['full profile measured here', pool.length, ...fmt(fullAgreement), '-', '-', '-']);
  }
  rows.push(['re-measurement (noise ceiling)', pool.length, ...fmt(noise), '-', '-', '-']);
  rows.push(['re-measurement, raw times', pool.length, ...fmt(rawNoise), '-', '-', '-']);

  const [load1] = os.loadavg();
  console.log(`${kName}: ${args.profile} (${source.machine.cpuModel}, flags ${source.machine.cpuFlags?.join(' ') ?? 'not recorded'}) adapted to ` +
    `${here.cpuModel}${here.cpuId ? `, ${here.cpuId}` : ''} (${cpuFlags()?.join(' ') ?? 'flags unknown'}), ${source.target}:${source.threads}, ${here.runtime.name} ${here.runtime.version}`);
  console.log(`differences: ${machineDifferences(source.machine, here).join('; ') || 'none'}`);
  const note = sourceNote(args.profile, prepared, given.subnets.length);
  if (note !== undefined) console.log(note);
  console.log(`pool: ${poolPerGroup} fresh subnets per group (${groups.join(', ')}), each measured twice in ${seconds.toFixed(0)} s; ` +
    `${draws} random training draws per N; quantized subnets with ${int8 === null ? 'the runtime\'s own' : `${int8.weightType} (${int8.int8OverUint8.toFixed(2)}x the uint8 time)`} weights; times at the reference subnet's median ${typicalRefMs.toFixed(3)} ms; load average ${load1.toFixed(1)} on ${os.availableParallelism()} cores at the end`);
  console.log(markdownTable(['N (adaptation subnets)', 'held out', 'within +-10% (mean)', 'MAPE % (mean)', 'Spearman (mean)', `within +-10% by group (${groups.join(' / ')})`, 'within +-10% (worst draw)',
    'the source\'s own model scaled: within +-10%'], rows.map((r) => r.map(String))));
  if (args.json !== undefined) {
    writeFileSync(args.json, `${JSON.stringify({ profile: args.profile, machine: here, source: source.machine, sourceRefit: refit ?? null, sourceKept: prepared.kept ?? null, int8, poolPerGroup, seconds, unadapted, noise, rawNoise, typicalRefMs, full: fullAgreement, results, pool }, null, 2)}\n`);
    console.log(`wrote ${args.json}`);
  }
}

main().catch((err) => fail(kName, err));
