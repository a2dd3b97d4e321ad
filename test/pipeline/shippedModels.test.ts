/**
 * The exported models shipped under models/deploy and models/baselines: each one's ONNX file
 * scores the test accuracy its result file records on all 10,000 test images (within one image),
 * and its config
 * file (the folder's config.json; a baseline's NAME.json) is a config of fashion-hybrid - or of the
 * folder's space.json, a compressed network's policy space, of a baseline's own space (kBaselines),
 * or of fashion-vit for a SubTransformer (`"kind": "vit"`) - with the MACs and parameters recorded.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { onnxTestAccuracy } from '../../pipeline/verifyConfigs.js';
import { cpuFlags } from '../../profiling/machine.js';
import { fashionHybrid, kSpaces } from '../../space/defaultSpace.js';
import { kBaselines } from '../../pipeline/baselines.js';
import type { SearchSpace } from '../../space/types.js';
import { macs, params } from '../../space/layers.js';
import { parseConfig, parseSearchSpace } from '../../space/schema.js';
import { loadFashionMnist } from '../../supernet/data/fashionMnist.js';
import { fashionVit } from '../../space/transformer/fashionVit.js';
import { parseTransformerConfig } from '../../space/transformer/schema.js';
import { transformerCost } from '../../space/transformer/cost.js';
import type { DataSplit } from '../../supernet/data/types.js';

interface ShippedResult {
  /** A deployed model's config (a baseline's result holds it in its own space's terms). */
  config: unknown;
  macs: number;
  params: number;
  testAccuracy: number;
  onnx: string;
  /** The same network with uint8 weight containers, exact on any x86 CPU (an int8-weight `onnx` is exact only with VNNI). */
  portable?: { onnx: string; testAccuracy: number };
}

/** Int8 weight containers are exact in onnxruntime only where the CPU has VNNI (else u8 x s8 pairs saturate in int16). */
const kVnni = (cpuFlags() ?? []).some((f) => f === 'avx512_vnni' || f === 'avx_vnni');

/** [result file, folder, config file] of every shipped model. */
function shipped(): Array<[string, string, string]> {
  const deploy = 'models/deploy';
  const deployed = existsSync(deploy)
    ? readdirSync(deploy).filter((d) => existsSync(join(deploy, d, 'result.json')))
      .map((d): [string, string, string] => [join(deploy, d, 'result.json'), join(deploy, d), join(deploy, d, 'config.json')])
    : [];
  const baselines = readdirSync('models/baselines').filter((f) => f.endsWith('.result.json'))
    .map((f): [string, string, string] => [join('models/baselines', f), 'models/baselines', join('models/baselines', f.replace(/\.result\.json$/, '.json'))]);
  return [...deployed, ...baselines];
}

describe('shipped models', () => {
  let test: DataSplit;
  before(() => {
    test = loadFashionMnist().test;
  });

  it('include the deployed models and the baselines', () => {
    const files = shipped().map(([f]) => f);
    assert.ok(files.some((f) => f.startsWith('models/deploy/')), files.join(', '));
    for (const name of Object.keys(kBaselines)) assert.ok(files.includes(`models/baselines/${name}.result.json`), `${name}: ${files.join(', ')}`);
  });

  for (const [file, folder, configFile] of shipped()) {
    it(`${file}: its ONNX file scores the recorded test accuracy; config, MACs and parameters as recorded`, async () => {
      const r = JSON.parse(readFileSync(file, 'utf8')) as ShippedResult;
      const given = JSON.parse(readFileSync(configFile, 'utf8')) as { kind?: string };
      if (given.kind === 'vit') {
        const config = parseTransformerConfig(fashionVit, given);
        assert.deepEqual(parseTransformerConfig(fashionVit, r.config), config, 'result.json and config.json name one config');
        assert.deepEqual([transformerCost(fashionVit, config).macs, transformerCost(fashionVit, config).params], [r.macs, r.params]);
      } else {
        const spaceFile = join(folder, 'space.json');
        const baseline = kBaselines[(r as { name?: string }).name as keyof typeof kBaselines] as { space: keyof typeof kSpaces } | undefined;
        const space: SearchSpace = folder.startsWith('models/deploy/') && existsSync(spaceFile)
          ? parseSearchSpace(JSON.parse(readFileSync(spaceFile, 'utf8')))
          : folder === 'models/baselines' && baseline !== undefined ? kSpaces[baseline.space] : fashionHybrid;
        const config = parseConfig(space, given);
        if (folder.startsWith('models/deploy/')) assert.deepEqual(parseConfig(space, r.config), config, 'result.json and config.json name one config');
        assert.equal(macs(space, config), r.macs);
        assert.equal(params(space, config), r.params);
      }
      // One image either way: onnxruntime's kernels may round differently on another CPU.
      const scores = async (onnx: string, recorded: number): Promise<void> => {
        const accuracy = await onnxTestAccuracy(join(folder, onnx), test, 10);
        assert.ok(Math.abs(accuracy - recorded) <= 1e-4 + 1e-9, `${onnx}: ${accuracy} against the recorded ${recorded}`);
      };
      if (r.portable !== undefined) await scores(r.portable.onnx, r.portable.testAccuracy);
      // An int8-weight file ships with its portable twin; without VNNI only the twin is exact.
      if (r.portable === undefined || kVnni) await scores(r.onnx, r.testAccuracy);
    });
  }
});
