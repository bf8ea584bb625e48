/**
 * After an upload: checks size and checksum, reads the graph, and files the model under its
 * content hash. The revision goes processing → ready, or failed with the reason; the upload and
 * describe operations end the same way. Runs as a Temporal activity on a worker (temporal/),
 * possibly more than once for one upload (a retry after a crash): the outcome is written once.
 */
import { eq } from 'drizzle-orm';
import type { App } from '../../core/app';
import { findOperation, updateOperation, type OperationChange, type OperationRow } from '../../core/operations';
import type { Transaction } from '../../db/client';
import { onnxFiles, onnxUploads, operations, revisions } from '../../db/schema';
import { Readable } from 'node:stream';
import { sha256Hex } from '../../core/crypto';
import { ARCHIVE_PATH, ArchiveRejected, TOPOLOGY_PATH, unpackModelArchive } from './archive';
import { DEFAULT_MODEL_PATH, hashObject, isModelPath, storeOf, storeSource } from './files';
import { ModelFormatError, readModel, type ModelDescription } from './model-reader';
import type { ProcessingIds } from './temporal/contracts';
import type { UploadRow } from './uploads';

interface ProcessingError {
  code: string;
  message: string;
}

class UploadRejected extends Error {
  constructor(
    readonly code: 'size_mismatch' | 'checksum_mismatch' | 'not_onnx' | 'truncated' | 'invalid_archive',
    message: string,
  ) {
    super(message);
  }
}

const isSettled = (status: OperationRow['status']) => !['pending', 'running'].includes(status);

/**
 * Validates and describes the upload. A rejected model settles as failed; any other error is
 * thrown for the activity's retries (the last one settles it through `failProcessing`).
 */
export async function processUpload(app: App, ids: ProcessingIds): Promise<void> {
  const describe = await findOperation(app, ids.describeOperationId);
  const upload = await completedUpload(app, ids.uploadOperationId);
  if (!upload || isSettled(describe.status)) return;
  if (describe.status === 'pending') await updateOperation(app, describe.id, { status: 'running' });
  try {
    await fileModel(app, upload, ids);
  } catch (e) {
    if (!(e instanceof UploadRejected)) throw e;
    await settleFailed(app, upload, ids, { code: e.code, message: e.message });
  }
}

/** Settles an upload whose processing kept failing for reasons other than the model itself. */
export async function failProcessing(app: App, ids: ProcessingIds): Promise<void> {
  const upload = await completedUpload(app, ids.uploadOperationId);
  if (upload) await settleFailed(app, upload, ids, { code: 'internal', message: 'the model could not be processed' });
}

/** The upload to process; none when its revision was deleted meanwhile (nothing is left to do). */
async function completedUpload(app: App, operationId: string): Promise<UploadRow | undefined> {
  const [upload] = await app.db.select().from(onnxUploads).where(eq(onnxUploads.operationId, operationId));
  if (upload && upload.status !== 'completed') throw new Error(`upload ${operationId} is ${upload.status}, not completed`);
  return upload;
}

async function fileModel(app: App, upload: UploadRow, ids: ProcessingIds) {
  const { sha256, description } = await inspect(app, upload);
  // Same bytes already stored (another revision, another path): point at them, drop the copy.
  const [twin] = await app.db.select({ storageKey: onnxFiles.storageKey }).from(onnxFiles).where(eq(onnxFiles.sha256, sha256)).limit(1);
  const storageKey = twin?.storageKey ?? upload.storageKey;
  const unpacked = upload.path === ARCHIVE_PATH ? await unpackArchive(app, storageKey) : [];
  const files = [{ path: upload.path, size: upload.size, sha256, storageKey, description }, ...unpacked];
  const result = { path: upload.path, size: upload.size, sha256 };
  const settled = await settleOnce(
    app,
    ids,
    async (tx) => {
      for (const { path, ...stored } of files) {
        const file = { ...stored, createdAt: new Date() };
        await tx
          .insert(onnxFiles)
          .values({ revisionId: upload.revisionId, path, ...file })
          .onConflictDoUpdate({ target: [onnxFiles.revisionId, onnxFiles.path], set: file });
      }
      await tx.update(revisions).set({ status: 'ready', statusReason: null }).where(eq(revisions.id, upload.revisionId));
    },
    {
      describe: { status: 'succeeded', progress: 1, result: { ...result, model: description } },
      upload: { status: 'succeeded', progress: 1, result: { ...result, describe_operation_id: ids.describeOperationId } },
    },
  );
  // after the commit: a crash before this leaves an unreferenced object, which the sweeper frees
  if (settled && twin) await storeOf(app).delete(upload.storageKey);
}

async function settleFailed(app: App, upload: UploadRow, ids: ProcessingIds, error: ProcessingError) {
  const failed = { status: 'failed', progress: 1, error } as const;
  const settled = await settleOnce(
    app,
    ids,
    async (tx) => {
      await tx
        .update(revisions)
        .set({ status: 'failed', statusReason: `${error.code}: ${error.message}` })
        .where(eq(revisions.id, upload.revisionId));
    },
    { describe: failed, upload: failed },
  );
  if (settled)
    await storeOf(app)
      .delete(upload.storageKey)
      .catch(() => undefined);
}

/**
 * Writes the outcome and ends both operations (with their events) in one transaction, unless a
 * run before this one already did: the describe operation's row lock makes two runs (a retry
 * and a run presumed dead) settle one after the other, and the second finds it settled.
 */
async function settleOnce(
  app: App,
  ids: ProcessingIds,
  write: (tx: Transaction) => Promise<void>,
  ends: { describe: OperationChange; upload: OperationChange },
) {
  return app.db.transaction(async (tx) => {
    const [describe] = await tx.select({ status: operations.status }).from(operations).where(eq(operations.id, ids.describeOperationId)).for('update');
    if (!describe || isSettled(describe.status)) return false;
    await write(tx);
    await updateOperation(app, ids.describeOperationId, ends.describe, tx);
    await updateOperation(app, ids.uploadOperationId, ends.upload, tx);
    return true;
  });
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
