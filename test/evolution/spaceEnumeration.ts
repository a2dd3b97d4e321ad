/** Every distinct config of a small space, by brute force over the genome's choice indices. */
import { decodeConfigs, encodeConfigs, geneLayout } from '../../space/genome.js';
import { canonicalConfig, type QuantMode } from '../../space/searchSpace.js';
import type { SearchSpace, SubnetConfig } from '../../space/types.js';

export function allConfigs(space: SearchSpace, quant: QuantMode): SubnetConfig[] {
  const layout = geneLayout(space, quant);
  const genes = [...layout.stageGenes, ...layout.slotGenes];
  const total = genes.reduce((n, g) => n * g.choices.length, 1);
  if (total > 1e6) throw new RangeError(`the space has ${total} genomes: too many to enumerate`);
  const seen = new Map<string, SubnetConfig>();
  const bytes = new Uint8Array(layout.length);
  for (let code = 0; code < total; code++) {
    let rest = code;
    genes.forEach((g, j) => {
      bytes[j] = rest % g.choices.length;
      rest = Math.floor(rest / g.choices.length);
    });
    const cfg = canonicalConfig(space, decodeConfigs(layout, bytes)[0]);
    const key = encodeConfigs(layout, [cfg]).join(',');
    if (!seen.has(key)) seen.set(key, cfg);
  }
  return [...seen.values()];
}
