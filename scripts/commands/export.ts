/** `hwnas export`: writes one subnet of a trained supernet as ONNX (fp32 or QDQ int8) or a tfjs graph model. */
import { existsSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { addBackendOption, addCheckpointOption, addDataDirOption, type CommonOptions, parseIntOption } from '../options.js';
import { kPackageVersion, startBackend } from '../runtime.js';
import { checkOutputPath } from '../../util/fsErrors.js';
import { loadTrainingData } from '../../supernet/trainingData.js';
import { kDefaultCalibrationOptions } from '../../supernet/extract.js';
import { loadSupernet, resolveConfig } from '../../supernet/io.js';
import { EXPORT_FORMATS, type ExportFormat } from '../../supernet/export/exportSubnet.js';
import { exportConfig } from '../../supernet/export/exportConfig.js';
import { kDefaultRangeOptions, RANGE_METHODS, type RangeMethod } from '../../supernet/quant/calibrateRanges.js';
import type { OnnxWeightType } from '../../supernet/export/onnx/toOnnx.js';
import { readCheckpointMeta } from '../../supernet/train/checkpoint.js';
import { exportTransformerCommand } from './exportTransformerCmd.js';

interface ExportCliOptions extends CommonOptions {
  checkpoint: string;
  config: string;
  format: ExportFormat;
  out: string;
  force?: boolean;
  bnImages: string;
  rangeImages: string;
  rangeMethod: RangeMethod;
  percentile: string;
  weightType: OnnxWeightType;
  finetuneSteps: string;
  finetuneLr: string;
}


function human(n: number, unit = ''): string {
  const [div, suffix] = n >= 1e9 ? [1e9, 'G'] : n >= 1e6 ? [1e6, 'M'] : n >= 1e3 ? [1e3, 'K'] : [1, ''];
  return `${(n / div).toFixed(div === 1 ? 0 : 2)}${suffix}${unit}`;
}

export function registerExport(program: Command): void {
  const cmd = program
    .command('export')
    .description('write a subnet as ONNX (fp32, or QDQ int8 at the config\'s bits) or as a tfjs graph model folder')
    .requiredOption('--config <largest|smallest|file.json>', 'subnet config (a JSON file may wrap it as { "config": ... })')
    .addOption(new Option('--format <format>', 'output format').choices([...EXPORT_FORMATS]).default('onnx'))
    .requiredOption('--out <path>', 'output file (onnx) or folder (tfjs)')
    .option('--force', 'replace an existing output (atomically)')
    .option('--bn-images <n>', 'training images for BatchNorm recalibration', String(kDefaultCalibrationOptions.images))
    .option('--range-images <n>', 'training images for activation ranges (onnx-int8)', String(kDefaultRangeOptions.images))
    .addOption(new Option('--range-method <method>', 'activation range calibration (onnx-int8)').choices([...RANGE_METHODS]).default(kDefaultRangeOptions.method))
    .option('--percentile <p>', 'upper percentile kept by --range-method percentile', String(kDefaultRangeOptions.percentile))
    .option('--finetune-steps <n>', 'straight-through fine-tuning steps before an onnx-int8 export (0 = none)', '0')
    .option('--finetune-lr <x>', 'peak learning rate of the fine-tuning (cosine decay)', '0.002')
    .addOption(new Option('--weight-type <type>', 'container of quantized weights (int8 saturates on x86 without VNNI)').choices(['uint8', 'int8']).default('uint8'));
  addCheckpointOption(cmd);
  addBackendOption(cmd);
  addDataDirOption(cmd);
  cmd.action(async (opts: ExportCliOptions) => {
    checkOutputPath(opts.out, { kind: opts.format === 'tfjs' ? 'folder' : 'file', existing: opts.force === true ? 'replace' : 'refuse' });
    if (!existsSync(opts.checkpoint)) throw new Error(`checkpoint ${opts.checkpoint} does not exist: train one with 'hwnas train' or pass --checkpoint`);
    const bnImages = parseIntOption('bn-images', opts.bnImages, 1);
    const rangeImages = parseIntOption('range-images', opts.rangeImages, 1);
    const percentile = Number(opts.percentile);
    if (!(percentile > 50 && percentile <= 100)) throw new Error(`--percentile must be a number in (50, 100] (got '${opts.percentile}')`);
    const finetuneSteps = parseIntOption('finetune-steps', opts.finetuneSteps, 0);
    const finetuneLr = Number(opts.finetuneLr);
    if (!(finetuneLr > 0)) throw new Error(`--finetune-lr must be a positive number (got '${opts.finetuneLr}')`);
    if (finetuneSteps > 0 && opts.format !== 'onnx-int8') throw new Error(`--finetune-steps applies to --format onnx-int8 only (got --format ${opts.format})`);
    await startBackend(opts);
    if (readCheckpointMeta<{ kind?: string }>(opts.checkpoint).kind === 'hwnas-supertransformer') {
      exportTransformerCommand(opts, human);
      return;
    }
    const { net, meta } = loadSupernet(opts.checkpoint);
    const config = resolveConfig(net.space, opts.config);
    const data = await loadTrainingData(opts, net.space, meta.data, opts.checkpoint);
    try {
      const r = await exportConfig(net, config, data.train, opts.out, {
        format: opts.format,
        bnImages,
        ranges: { images: rangeImages, method: opts.rangeMethod, percentile },
        weightType: opts.weightType,
        fineTune: finetuneSteps > 0 ? { steps: finetuneSteps, lr: finetuneLr, onStep: (step, loss) => {
          if ((step + 1) % 50 === 0 || step + 1 === finetuneSteps) process.stderr.write(`fine-tune step ${step + 1}/${finetuneSteps}: loss ${loss.toFixed(4)}\n`);
        } } : undefined,
        overwrite: opts.force === true,
        classNames: data.classNames,
        version: kPackageVersion,
        metadata: { 'hwnas.checkpoint_step': String(meta.step) },
      });
      console.log(`wrote ${r.path} (${r.format}): ${human(r.bytes, 'B')} (${r.bytes} bytes)`);
      console.log(`  MACs ${human(r.macs)}, params ${human(r.params)}, BitOps ${human(r.bitOps)}${r.activationSites ? `, ${r.activationSites} activation quantization points` : ''}`);
      console.log(`  config ${JSON.stringify(r.config)}`);
    } finally {
      net.dispose();
    }
  });
}
