/** `hwnas export` of a SubTransformer from a SuperTransformer checkpoint (fp32 ONNX, its encoder dynamically quantized to int8, or a tfjs graph-model folder). */
import { loadSuperTransformer, resolveTransformerConfig } from '../../supernet/transformer/io.js';
import { exportTransformer, TRANSFORMER_EXPORT_FORMATS, type TransformerExportFormat } from '../../supernet/transformer/exportTransformer.js';
import { kPackageVersion } from '../runtime.js';

export interface TransformerExportArgs {
  checkpoint: string;
  config: string;
  format: string;
  out: string;
  force?: boolean;
}

/** Writes the SubTransformer `args.config` of the checkpoint and prints what was written. */
export function exportTransformerCommand(args: TransformerExportArgs, human: (n: number, unit?: string) => string): void {
  if (!(TRANSFORMER_EXPORT_FORMATS as readonly string[]).includes(args.format)) {
    throw new Error(`${args.checkpoint} is a SuperTransformer: SubTransformers export as ${TRANSFORMER_EXPORT_FORMATS.join(', ')}; pass one of them as --format (got --format ${args.format})`);
  }
  const { net, meta } = loadSuperTransformer(args.checkpoint);
  try {
    const config = resolveTransformerConfig(net.space, args.config);
    const r = exportTransformer(net, config, args.out, {
      format: args.format as TransformerExportFormat,
      overwrite: args.force === true,
      normalization: meta.data?.normalization,
      classNames: meta.data?.classNames,
      version: kPackageVersion,
      metadata: { 'hwnas.checkpoint_step': String(meta.step) },
    });
    console.log(`wrote ${r.path} (${r.format}): ${human(r.bytes, 'B')} (${r.bytes} bytes)`);
    console.log(`  MACs ${human(r.macs)}, params ${human(r.params)}`);
    console.log(`  config ${JSON.stringify(r.config)}`);
  } finally {
    net.dispose();
  }
}
