/** The model files of a revision (onnx_files) and the store they live in. */
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { App } from '../../core/app';
import type { BlobStore } from '../../core/blobstore';
import { ApiError, badRequest, notFound } from '../../core/errors';
import type { RevisionRow } from '../../core/engines';
import { onnxFiles } from '../../db/schema';
import type { Db } from '../../db/client';
import type { ByteSource, ModelDescription } from './model-reader';

export type ModelFile = typeof onnxFiles.$inferSelect;

export const DEFAULT_MODEL_PATH = 'model.onnx';

export function storeOf(app: App): BlobStore {
  if (!app.blobStore) throw new ApiError('unavailable', 'no blob store is configured');
  return app.blobStore;
}

export function listFiles(db: Db, revisionId: string) {
  return db.select().from(onnxFiles).where(eq(onnxFiles.revisionId, revisionId)).orderBy(onnxFiles.path);
}

/**
 * Only `.onnx` files are read as models; any other file (e.g. the `model.tar.gz` of BlobHub's
 * older SDK) is stored and served as a plain component.
 */
export const isModelPath = (path: string) => path.endsWith('.onnx');

/**
 * The file at `path`, or by default the revision's only file (of models, when `kind` is
 * 'model'), else model.onnx.
 */
export async function requireFile(db: Db, revision: RevisionRow, path?: string, kind: 'any' | 'model' = 'any'): Promise<ModelFile> {
  let file: ModelFile | undefined;
  if (path) {
    [file] = await db
      .select()
      .from(onnxFiles)
      .where(and(eq(onnxFiles.revisionId, revision.id), eq(onnxFiles.path, path)));
  } else {
    const files = (await listFiles(db, revision.id)).filter((f) => kind === 'any' || f.description);
    file = files.length === 1 ? files[0] : files.find((f) => f.path === DEFAULT_MODEL_PATH);
  }
  if (file && kind === 'model' && !file.description) throw badRequest(`${file.path} is not an ONNX model (only .onnx files are read as models)`);
  if (file) return file;
  if (revision.status === 'processing') throw new ApiError('conflict', 'the model is still being processed; wait for its operation');
  if (revision.status === 'failed') throw new ApiError('conflict', `the last upload failed: ${revision.statusReason ?? 'unknown reason'}`);
  throw notFound(path ? `model file ${path}` : 'model (upload one first)');
}

export const descriptionOf = (file: ModelFile) => file.description as ModelDescription;

/** The `model` object of `describe`: what the graph says, plus size and hash. */
export function modelWire(file: ModelFile) {
  const d = descriptionOf(file);
  return {
    path: file.path,
    size: file.size,
    sha256: file.sha256,
    ir_version: d.ir_version,
    opset_imports: d.opset_imports,
    producer_name: d.producer_name,
    producer_version: d.producer_version,
    domain: d.domain,
    model_version: d.model_version,
    graph_name: d.graph_name,
    inputs: d.inputs,
    outputs: d.outputs,
    node_count: d.node_count,
    initializer_count: d.initializer_count,
    parameter_count: d.parameter_count,
    metadata_props: d.metadata_props,
  };
}

/** Ranged reads of a stored object, for the model reader. */
export function storeSource(store: BlobStore, key: string, size: number): ByteSource {
  return {
    size,
    async read(offset, length) {
      if (length === 0) return Buffer.alloc(0);
      const chunks: Buffer[] = [];
      for await (const chunk of await store.get(key, { start: offset, end: offset + length - 1 })) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    },
  };
}

/** Streams an object once through SHA-256. */
export async function hashObject(store: BlobStore, key: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await store.get(key)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}
