/**
 * After an upload: checks size and checksum, reads the graph, and files the model under its
 * content hash. The revision goes processing → ready, or failed with the reason; the upload and
 * describe operations end the same way.
 */
import { eq } from 'drizzle-orm';
import type { App } from '../../core/app';
import { updateOperation } from '../../core/operations';
import { onnxFiles, revisions } from '../../db/schema';
import { hashObject, isModelPath, storeOf, storeSource } from './files';
import { ModelFormatError, readModel, type ModelDescription } from './model-reader';
import type { UploadRow } from './uploads';

class UploadRejected extends Error {
  constructor(
    readonly code: 'size_mismatch' | 'checksum_mismatch' | 'not_onnx' | 'truncated',
    message: string,
  ) {
    super(message);
  }
}

export async function processUpload(app: App, upload: UploadRow, describeOperationId: string) {
  const store = storeOf(app);
  await updateOperation(app, describeOperationId, { status: 'running' });
  try {
    const { sha256, description } = await inspect(app, upload);
    // Same bytes already stored (another revision, another path): point at them, drop the copy.
    const [twin] = await app.db.select({ storageKey: onnxFiles.storageKey }).from(onnxFiles).where(eq(onnxFiles.sha256, sha256)).limit(1);
    const storageKey = twin?.storageKey ?? upload.storageKey;
    await app.db.transaction(async (tx) => {
      const file = { size: upload.size, sha256, storageKey, description, createdAt: new Date() };
      await tx.insert(onnxFiles).values({ revisionId: upload.revisionId, path: upload.path, ...file }).onConflictDoUpdate({ target: [onnxFiles.revisionId, onnxFiles.path], set: file });
      await tx.update(revisions).set({ status: 'ready', statusReason: null }).where(eq(revisions.id, upload.revisionId));
    });
    if (twin) await store.delete(upload.storageKey);
    const result = { path: upload.path, size: upload.size, sha256 };
    await updateOperation(app, describeOperationId, { status: 'succeeded', progress: 1, result: { ...result, model: description } });
    await updateOperation(app, upload.operationId, { status: 'succeeded', progress: 1, result: { ...result, describe_operation_id: describeOperationId } });
  } catch (e) {
    const error = e instanceof UploadRejected ? { code: e.code, message: e.message } : { code: 'internal', message: 'the model could not be processed' };
    if (!(e instanceof UploadRejected)) console.error('[onnx] processing failed', e);
    await store.delete(upload.storageKey).catch(() => undefined);
    await app.db.update(revisions).set({ status: 'failed', statusReason: `${error.code}: ${error.message}` }).where(eq(revisions.id, upload.revisionId));
    for (const id of [describeOperationId, upload.operationId]) await updateOperation(app, id, { status: 'failed', progress: 1, error });
  }
}

async function inspect(app: App, upload: UploadRow): Promise<{ sha256: string; description: ModelDescription | null }> {
  const store = storeOf(app);
  const size = await store.head(upload.storageKey);
  if (size !== upload.size) throw new UploadRejected('size_mismatch', `declared ${upload.size} bytes, received ${size ?? 0}`);
  const sha256 = await hashObject(store, upload.storageKey);
  if (upload.sha256 && upload.sha256 !== sha256) throw new UploadRejected('checksum_mismatch', `declared sha256 ${upload.sha256}, received ${sha256}`);
  if (!isModelPath(upload.path)) return { sha256, description: null };
  try {
    return { sha256, description: await readModel(storeSource(store, upload.storageKey, size)) };
  } catch (e) {
    if (e instanceof ModelFormatError) throw new UploadRejected(e.problem, e.message);
    throw e;
  }
}
