/**
 * After an upload: checks size and checksum, reads the graph, and files the model under its
 * content hash. The revision goes processing → ready, or failed with the reason; the upload and
 * describe operations end the same way.
 */
import { eq } from 'drizzle-orm';
import type { App } from '../../core/app';
import { updateOperation } from '../../core/operations';
import { onnxFiles, revisions } from '../../db/schema';
import { Readable } from 'node:stream';
import { sha256Hex } from '../../core/crypto';
import { ARCHIVE_PATH, ArchiveRejected, TOPOLOGY_PATH, unpackModelArchive } from './archive';
import { DEFAULT_MODEL_PATH, hashObject, isModelPath, storeOf, storeSource } from './files';
import { ModelFormatError, readModel, type ModelDescription } from './model-reader';
import type { UploadRow } from './uploads';

class UploadRejected extends Error {
  constructor(
    readonly code: 'size_mismatch' | 'checksum_mismatch' | 'not_onnx' | 'truncated' | 'invalid_archive',
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
    const unpacked = upload.path === ARCHIVE_PATH ? await unpackArchive(app, storageKey) : [];
    const files = [{ path: upload.path, size: upload.size, sha256, storageKey, description }, ...unpacked];
    await app.db.transaction(async (tx) => {
      for (const { path, ...stored } of files) {
        const file = { ...stored, createdAt: new Date() };
        await tx.insert(onnxFiles).values({ revisionId: upload.revisionId, path, ...file }).onConflictDoUpdate({ target: [onnxFiles.revisionId, onnxFiles.path], set: file });
      }
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

/** The archive's model.onnx, described, and its model.json (written from the description when the archive has none). */
async function unpackArchive(app: App, archiveKey: string) {
  const store = storeOf(app);
  let members;
  try {
    members = await unpackModelArchive(store, archiveKey);
  } catch (e) {
    if (e instanceof ArchiveRejected) throw new UploadRejected('invalid_archive', e.message);
    throw e;
  }
  const model = members.find((m) => m.path === DEFAULT_MODEL_PATH)!;
  let description: ModelDescription;
  try {
    description = await readModel(storeSource(store, model.storageKey, model.size));
  } catch (e) {
    if (e instanceof ModelFormatError) throw new UploadRejected(e.problem, e.message);
    throw e;
  }
  const files = members.map((m) => ({ ...m, description: m.path === DEFAULT_MODEL_PATH ? description : null }));
  if (!members.some((m) => m.path === TOPOLOGY_PATH)) {
    const topology = Buffer.from(JSON.stringify(description, null, 2));
    const storageKey = `${archiveKey}.${TOPOLOGY_PATH}`;
    await store.put(storageKey, Readable.from([topology]), topology.length);
    files.push({ path: TOPOLOGY_PATH, size: topology.length, sha256: sha256Hex(topology), storageKey, description: null });
  }
  return files;
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
