/** `hwnas export` of a SubTransformer from a SuperTransformer checkpoint (fp32 ONNX). */
import { loadSuperTransformer, resolveTransformerConfig } from '../../supernet/transformer/io.js';
import { exportTransformer } from '../../supernet/transformer/exportTransformer.js';
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
  if (args.format !== 'onnx') {
    throw new Error(`${args.checkpoint} is a SuperTransformer: SubTransformers export as fp32 ONNX only so far; pass --format onnx (got --format ${args.format})`);
  }
  const { net, meta } = loadSuperTransformer(args.checkpoint);
  try {
    const config = resolveTransformerConfig(net.space, args.config);
    const r = exportTransformer(net, config, args.out, {
      overwrite: args.force === true,
      normalization: meta.data?.normalization,
      classNames: meta.data?.classNames,
      version: kPackageVersion,
      metadata: { 'hwnas.checkpoint_step': String(meta.step) },
    });
    console.log(`wrote ${r.path} (onnx): ${human(r.bytes, 'B')} (${r.bytes} bytes)`);
    console.log(`  MACs ${human(r.macs)}, params ${human(r.params)}`);
    console.log(`  config ${JSON.stringify(r.config)}`);
  } finally {
    net.dispose();
  }
}
