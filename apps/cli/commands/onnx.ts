/** ONNX model blobs: multipart upload with a progress bar, and describe. */
import { SingleBar } from 'cli-progress';
import { Option, type Command } from 'commander';
import type { OnnxModel, UploadProgress } from '../../../sdk';
import { positiveInt, withContext, type CliContext } from '../context';
import { UnsuccessfulError } from '../exit-codes';

const MiB = 1024 * 1024;
const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;

/** A bar on a terminal; elsewhere (pipes, CI logs) one line per finished part. */
function progressReporter(ctx: CliContext) {
  if (process.stderr.isTTY && !ctx.out.json) {
    const bar = new SingleBar({ format: 'uploading [{bar}] {percentage}% | {sent} / {total} | parts {parts}', stream: process.stderr, hideCursor: true });
    let started = false;
    return {
      update(p: UploadProgress) {
        const payload = { sent: mib(p.sentBytes), total: mib(p.totalBytes), parts: `${p.partsDone}/${p.partsTotal}` };
        if (!started) bar.start(p.totalBytes, 0, payload);
        started = true;
        bar.update(p.sentBytes, payload);
      },
      stop: () => started && bar.stop(),
    };
  }
  let partsDone = 0;
  return {
    update(p: UploadProgress) {
      if (p.partsDone === partsDone) return;
      partsDone = p.partsDone;
      ctx.out.note(
        `uploaded part ${p.partsDone}/${p.partsTotal}: ${mib(p.sentBytes)} of ${mib(p.totalBytes)} (${Math.round((100 * p.sentBytes) / p.totalBytes)}%)`,
      );
    },
    stop() {},
  };
}

function printModel(ctx: CliContext, model: OnnxModel) {
  const { inputs, outputs, metadata_props: _props, opset_imports: _opsets, ...summary } = model;
  ctx.out.fields(summary);
  const tensors = [...inputs.map((t) => ({ ...t, kind: 'input' })), ...outputs.map((t) => ({ ...t, kind: 'output' }))];
  console.log('');
  ctx.out.table(tensors, [
    ['', (t) => t.kind],
    ['NAME', (t) => t.name],
    ['TYPE', (t) => t.type],
    ['SHAPE', (t) => (t.shape ? `[${t.shape.join(', ')}]` : '-')],
  ]);
}

export function registerOnnx(program: Command) {
  const onnx = program.command('onnx').description('ONNX model blobs');
  onnx
    .command('upload <blob> <file>')
    .description('upload a model to a draft revision in parallel parts, then wait until it is described')
    .option('--path <path>', 'its path in the revision', 'model.onnx')
    .addOption(new Option('--concurrency <n>', 'parts in flight at once (1-16)').default(4).argParser(positiveInt('--concurrency', 16)))
    .option('--revision <id>', 'the draft revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, file: string, opts: { path: string; concurrency: number; revision?: string }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const progress = progressReporter(ctx);
        const uploaded = await ctx.hub
          .uploadOnnx(revisionId, file, { path: opts.path, concurrency: opts.concurrency, onProgress: (p) => progress.update(p) })
          .finally(() => progress.stop());
        const { operation, revision } = uploaded;
        if (operation.status !== 'succeeded' || revision.status === 'failed') {
          throw new UnsuccessfulError(`the model was refused: ${JSON.stringify(operation.error ?? revision.status)}`);
        }
        const { model } = await ctx.hub.describeOnnx(revisionId, opts.path);
        ctx.out.result({ ...uploaded, model }, () => {
          console.log(`Uploaded ${file} as ${opts.path} in ${uploaded.parts} parts to revision ${revisionId}`);
          if (model) printModel(ctx, model);
        });
      }),
    );
  onnx
    .command('describe <blob>')
    .description("a model's graph: inputs, outputs, opsets, parameters")
    .option('--path <path>', 'the model file (default: the revision’s model)')
    .option('--revision <id>', 'the revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, opts: { path?: string; revision?: string }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const described = await ctx.hub.describeOnnx(revisionId, opts.path);
        ctx.out.result(described, () => {
          if (described.model) printModel(ctx, described.model);
          else
            ctx.out.table(
              described.components,
              [
                ['FILE', (c) => c.path],
                ['SIZE', (c) => c.size],
                ['SHA256', (c) => c.sha256],
              ],
              'no files',
            );
        });
      }),
    );
}
