/**
 * NSGA-II building blocks (Deb et al. 2002): fast non-dominated sorting, crowding distance,
 * survivor selection and binary tournaments. Every objective is minimised (pass -accuracy to
 * maximise accuracy). Ties are broken by index, so the results are deterministic.
 */
import type { Rng } from '../space/rng.js';

/** `objectives[m][i]`: objective m of individual i; all objectives are minimised. */
export type Objectives = readonly ArrayLike<number>[];

function count(objectives: Objectives): number {
  if (objectives.length === 0) throw new RangeError('NSGA-II needs at least one objective');
  const n = objectives[0].length;
  for (const o of objectives) {
    if (o.length !== n) throw new RangeError(`every objective needs one value per individual (got ${o.length} and ${n})`);
  }
  return n;
}

/** Whether i is no worse than j on every objective and better on one. */
export function dominates(objectives: Objectives, i: number, j: number): boolean {
  let better = false;
  for (const o of objectives) {
    if (o[i] > o[j]) return false;
    if (o[i] < o[j]) better = true;
  }
  return better;
}

/** The non-dominated fronts, best first; each front lists indices in ascending order. */
export function nonDominatedSort(objectives: Objectives): number[][] {
  const n = count(objectives);
  const dominatedBy = new Int32Array(n);
  const dominating: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      if (dominates(objectives, i, j)) {
        dominating[i].push(j);
        dominatedBy[j]++;
      } else if (dominates(objectives, j, i)) {
        dominating[j].push(i);
        dominatedBy[i]++;
      }
    }
  }
  const fronts: number[][] = [];
  let current: number[] = [];
  for (let i = 0; i < n; i++) if (dominatedBy[i] === 0) current.push(i);
  while (current.length > 0) {
    fronts.push(current);
    const next: number[] = [];
    for (const i of current) {
      for (const j of dominating[i]) if (--dominatedBy[j] === 0) next.push(j);
    }
    current = next.sort((a, b) => a - b);
  }
  return fronts;
}

/**
 * Crowding distance of each member of `front` (same order): the normalised side lengths of
 * the cuboid its neighbours span, Infinity at each objective's extremes.
 */
export function crowdingDistance(objectives: Objectives, front: readonly number[]): Float64Array {
  count(objectives);
  const d = new Float64Array(front.length);
  if (front.length <= 2) return d.fill(Infinity);
  const order = front.map((_, k) => k);
  for (const o of objectives) {
    order.sort((a, b) => o[front[a]] - o[front[b]] || front[a] - front[b]);
    const lo = o[front[order[0]]];
    const hi = o[front[order[order.length - 1]]];
    d[order[0]] = Infinity;
    d[order[order.length - 1]] = Infinity;
    if (!(hi > lo)) continue;
    for (let k = 1; k < order.length - 1; k++) {
      d[order[k]] += (o[front[order[k + 1]]] - o[front[order[k - 1]]]) / (hi - lo);
    }
  }
  return d;
}

/** Rank (front index) and crowding distance of every individual. */
export interface Nsga2Ranking {
  rank: Int32Array;
  crowding: Float64Array;
  fronts: number[][];
}

export function rankPopulation(objectives: Objectives): Nsga2Ranking {
  const n = count(objectives);
  const fronts = nonDominatedSort(objectives);
  const rank = new Int32Array(n);
  const crowding = new Float64Array(n);
  fronts.forEach((front, r) => {
    const d = crowdingDistance(objectives, front);
    front.forEach((i, k) => {
      rank[i] = r;
      crowding[i] = d[k];
    });
  });
  return { rank, crowding, fronts };
}

/** Whether i beats j in NSGA-II's crowded comparison (lower rank, then larger crowding, then lower index). */
export function crowdedBetter(ranking: Nsga2Ranking, i: number, j: number): boolean {
  if (ranking.rank[i] !== ranking.rank[j]) return ranking.rank[i] < ranking.rank[j];
  if (ranking.crowding[i] !== ranking.crowding[j]) return ranking.crowding[i] > ranking.crowding[j];
  return i < j;
}

/** The survivors: `size` indices taken front by front, the last front cut by crowding distance. */
export function selectSurvivors(objectives: Objectives, size: number): number[] {
  const ranking = rankPopulation(objectives);
  const out: number[] = [];
  for (const front of ranking.fronts) {
    if (out.length + front.length <= size) {
      out.push(...front);
      continue;
    }
    const rest = [...front].sort((a, b) => (a === b ? 0 : crowdedBetter(ranking, a, b) ? -1 : 1));
    out.push(...rest.slice(0, size - out.length));
    break;
  }
  return out;
}

/** Binary tournament: the crowded-comparison winner of two uniformly drawn individuals. */
export function tournament(ranking: Nsga2Ranking, rng: Rng): number {
  const n = ranking.rank.length;
  const i = rng.int(n);
  const j = rng.int(n);
  return crowdedBetter(ranking, i, j) ? i : j;
}

/**
 * The 2-D front of points (x minimised, y maximised): indices sorted by x, each strictly better
 * in y than every point at lower or equal x. Of equal points, the first index stays.
 */
export function paretoFront2d(x: ArrayLike<number>, y: ArrayLike<number>): number[] {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b] || y[b] - y[a] || a - b);
  const out: number[] = [];
  let bestY = -Infinity;
  for (const i of order) {
    if (y[i] > bestY) {
      out.push(i);
      bestY = y[i];
    }
  }
  return out;
}
