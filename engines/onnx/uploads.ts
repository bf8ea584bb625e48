/**
 * Multipart uploads straight to the blob store: the server picks the part split and signs one URL
 * per part; the client PUTs the bytes there; completion hands the object to the model processor,
 * a Temporal workflow on the workers. Nothing of the model passes through the API process.
 */
import { and, eq, lt } from 'drizzle-orm';
import type { App } from '../../core/app';
import { InvalidPartsError } from '../../core/blobstore';
import type { RevisionRow } from '../../core/engines';
import { ApiError, conflict, isOutage, notFound, theRow } from '../../core/errors';
import { createOperation, findOperation, updateOperation, toOperationWire } from '../../core/operations';
import { onnxFiles, onnxUploads, operations, revisions } from '../../db/schema';
import { storeOf } from './files';
import type { ProcessingIds } from './temporal/contracts';
import { startProcessingWorkflow } from './temporal/start';
import { logger } from '../../core/log';

export const UPLOAD_PREFIX = 'onnx/uploads/';
const MiB = 1024 * 1024;
/** S3 allows at most 10,000 parts of at least 5 MiB (except the last). */
const MIN_PART_SIZE = 16 * MiB;
const MAX_PARTS = 10_000;

export type UploadRow = typeof onnxUploads.$inferSelect;
interface PlannedPart {
  part_number: number;
  offset: number;
  size: number;
}

export function planParts(size: number): PlannedPart[] {
  const partSize = Math.max(MIN_PART_SIZE, Math.ceil(size / MAX_PARTS / MiB) * MiB);
  const parts: PlannedPart[] = [];
  for (let offset = 0, n = 1; offset < size; offset += partSize, n++) parts.push({ part_number: n, offset, size: Math.min(partSize, size - offset) });
  return parts;
}

interface StartUpload {
  revision: RevisionRow;
  path: string;
  size: number;
  sha256?: string;
  createdBy: string | null;
}

/**
 * The blob store failed before an upload existed: its operation ends `failed` (never left
 * pending), saying whether the store was out of reach, and the error goes on to the caller (a 503
 * when the store was unavailable).
 */
export async function abandonOperation(app: App, operationId: string, error: unknown): Promise<never> {
  const outage = isOutage(error);
  await updateOperation(app, operationId, {
    status: 'failed',
    error: outage
      ? { code: 'unavailable', message: 'the blob store was unavailable; try again' }
      : { code: 'internal', message: 'the upload could not be stored' },
  });
  throw error;
}

/** Opens the store's multipart upload, its operation and its row, all or nothing. */
export async function openUpload(app: App, input: StartUpload) {
  const store = storeOf(app);
  const operation = await createOperation(app, { type: 'onnx.upload', target: { type: 'revision', id: input.revision.id }, createdBy: input.createdBy });
  const storageKey = `${UPLOAD_PREFIX}${operation.id}`;
  const storeUploadId = await store.createMultipartUpload(storageKey).catch((e: unknown) => abandonOperation(app, operation.id, e));
  try {
    const parts = planParts(input.size);
    const ttl = app.config.BLOBHUB_ONNX_UPLOAD_TTL_SECONDS;
    const upload = await app.db
      .insert(onnxUploads)
      .values({
        operationId: operation.id,
        revisionId: input.revision.id,
        path: input.path,
        size: input.size,
        sha256: input.sha256 ?? null,
        storageKey,
        storeUploadId,
        parts,
        expiresAt: new Date(Date.now() + ttl * 1000),
      })
      .returning()
      .then(theRow);
    const running = await updateOperation(app, operation.id, { status: 'running', result: { path: input.path, size: input.size, part_count: parts.length } });
    return { upload, operation: running };
  } catch (e) {
    await store.abortMultipartUpload(storageKey, storeUploadId);
    await updateOperation(app, operation.id, { status: 'failed', error: { code: 'internal', message: 'the upload could not be opened' } });
    throw e;
  }
}

/** A presigned PUT for one planned part of the upload. */
async function signPart(app: App, upload: UploadRow, part: PlannedPart, expiresIn: number) {
  const signed = await storeOf(app).signUploadPart(upload.storageKey, upload.storeUploadId, part.part_number, expiresIn);
  return { ...part, upload: { url: signed.url, method: signed.method, headers: signed.headers } };
}

/** `initiate_upload`: the operation with one presigned PUT per part. */
export async function initiateUpload(app: App, input: StartUpload) {
  const { upload, operation } = await openUpload(app, input);
  const ttl = app.config.BLOBHUB_ONNX_UPLOAD_TTL_SECONDS;
  const parts = await Promise.all((upload.parts as PlannedPart[]).map((p) => signPart(app, upload, p, ttl)));
  return {
    operation_id: operation.id,
    operation: { ...toOperationWire(operation), parts, expires_at: upload.expiresAt.toISOString() },
  };
}

/**
 * `resume_upload`: for a client that lost track of an open upload (a page reload), which planned
 * parts the store already holds (with their ETags, from S3 ListParts) and fresh presigned PUTs for
 * the others, valid until the upload expires. A part of the wrong size counts as missing.
 */
export async function resumeUpload(app: App, revision: RevisionRow, operationId: string) {
  const upload = await findUpload(app, revision, operationId);
  if (upload.status !== 'open') throw new ApiError('conflict', `the upload is already ${upload.status}`, { engineCode: 'upload_not_open' });
  const stored = new Map((await storeOf(app).listParts(upload.storageKey, upload.storeUploadId)).map((p) => [p.partNumber, p]));
  const expiresIn = Math.max(1, Math.ceil((upload.expiresAt.getTime() - Date.now()) / 1000));
  const parts = await Promise.all(
    (upload.parts as PlannedPart[]).map(async (p) => {
      const held = stored.get(p.part_number);
      return held?.size === p.size ? { ...p, hash: held.etag } : { ...(await signPart(app, upload, p, expiresIn)), hash: null };
    }),
  );
  return {
    operation_id: upload.operationId,
    operation: { ...toOperationWire(await findOperation(app, upload.operationId)), parts, expires_at: upload.expiresAt.toISOString() },
  };
}

async function findUpload(app: App, revision: RevisionRow, operationId: string): Promise<UploadRow> {
  const [upload] = await app.db
    .select()
    .from(onnxUploads)
    .where(and(eq(onnxUploads.operationId, operationId), eq(onnxUploads.revisionId, revision.id)));
  if (!upload) throw notFound('upload operation');
  return upload;
}

/** Moves an upload from one state to the next; exactly one caller wins a race. */
async function transition(app: App, upload: UploadRow, from: UploadRow['status'], to: UploadRow['status']) {
  const [row] = await app.db
    .update(onnxUploads)
    .set({ status: to })
    .where(and(eq(onnxUploads.operationId, upload.operationId), eq(onnxUploads.status, from)))
    .returning();
  if (!row) throw new ApiError('conflict', `the upload is ${upload.status}, not ${from}`, { engineCode: 'upload_not_open' });
  return row;
}

/** `complete_upload`: checks the ETag list, assembles the object, then has a worker process it. */
export async function completeUpload(app: App, revision: RevisionRow, operationId: string, given: { part_number?: number; hash: string }[]) {
  const upload = await findUpload(app, revision, operationId);
  if (upload.status !== 'open') throw conflict(`the upload is already ${upload.status}`);
  const planned = upload.parts as PlannedPart[];
  const parts = given.map((p, i) => ({ partNumber: p.part_number ?? i + 1, etag: p.hash }));
  if (parts.length !== planned.length || parts.some((p, i) => p.partNumber !== i + 1)) {
    throw new ApiError('bad_request', `expected the ETags of parts 1..${planned.length} in order`, {
      engineCode: 'invalid_parts',
      details: { expected_parts: planned.length, given_parts: parts.map((p) => p.partNumber) },
    });
  }
  await transition(app, upload, 'open', 'completing');
  try {
    await storeOf(app).completeMultipartUpload(upload.storageKey, upload.storeUploadId, parts);
  } catch (e) {
    // The client may retry with the right list (or cancel); the sweeper frees it otherwise.
    await transition(app, upload, 'completing', 'open');
    if (e instanceof InvalidPartsError)
      throw new ApiError('bad_request', `the part list does not match the uploaded parts: ${e.message}`, { engineCode: 'invalid_parts' });
    throw e;
  }
  const completed = await transition(app, upload, 'completing', 'completed');
  return startProcessing(app, completed);
}

/** Marks the revision as processing and starts the workflow that validates + describes the model. */
export async function startProcessing(app: App, upload: UploadRow) {
  await app.db.update(revisions).set({ status: 'processing', statusReason: null }).where(eq(revisions.id, upload.revisionId));
  const describe = await createOperation(app, { type: 'onnx.describe', target: { type: 'revision', id: upload.revisionId }, createdBy: null });
  const operation = await updateOperation(app, upload.operationId, {
    progress: 0.5,
    result: { path: upload.path, size: upload.size, describe_operation_id: describe.id },
  });
  // The upload is complete either way: when Temporal cannot be reached now, the reconciler starts it later.
  await startProcessingWorkflow(app, { uploadOperationId: upload.operationId, describeOperationId: describe.id }).catch((e) =>
    logger.warn({ err: e }, 'onnx: could not start processing yet'),
  );
  return { operation: toOperationWire(operation), describe_operation: toOperationWire(describe) };
}

/** `cancel_upload`: aborts the store's multipart upload, which frees the parts. */
export async function cancelUpload(app: App, revision: RevisionRow, operationId: string) {
  const upload = await findUpload(app, revision, operationId);
  if (upload.status !== 'open') throw conflict(`the upload is already ${upload.status}`);
  await abortUpload(app, upload, { code: 'cancelled', message: 'cancelled by the client' });
  return { operation: toOperationWire(await updateOperation(app, operationId, {})) };
}

async function abortUpload(app: App, upload: UploadRow, reason: { code: string; message: string }) {
  await transition(app, upload, 'open', 'aborted');
  await storeOf(app).abortMultipartUpload(upload.storageKey, upload.storeUploadId);
  await updateOperation(app, upload.operationId, { status: 'cancelled', error: reason });
}

/**
 * Aborts uploads left open past their expiry, and multipart uploads in the store that no open
 * upload owns (e.g. their revision was deleted), so storage never keeps orphan parts.
 */
export async function sweepStaleUploads(app: App, now = new Date()) {
  const store = storeOf(app);
  const stale = await app.db
    .select()
    .from(onnxUploads)
    .where(and(eq(onnxUploads.status, 'open'), lt(onnxUploads.expiresAt, now)));
  for (const upload of stale) {
    await abortUpload(app, upload, { code: 'expired', message: 'the upload was not completed in time' }).catch(() => undefined);
  }
  const open = await app.db.select({ id: onnxUploads.storeUploadId }).from(onnxUploads).where(eq(onnxUploads.status, 'open'));
  const owned = new Set(open.map((u) => u.id));
  const orphanBefore = now.getTime() - app.config.BLOBHUB_ONNX_UPLOAD_TTL_SECONDS * 1000;
  let aborted = stale.length;
  for (const pending of await store.listMultipartUploads(UPLOAD_PREFIX)) {
    if (owned.has(pending.uploadId) || pending.initiatedAt.getTime() > orphanBefore) continue;
    await store.abortMultipartUpload(pending.key, pending.uploadId);
    aborted++;
  }
  return { aborted, deleted: await deleteUnreferencedObjects(app, orphanBefore) };
}

/**
 * Model bytes are shared by every revision holding the same sha256, so they are freed here, once
 * no file row points at them any more (their revisions or blobs were deleted), rather than on delete.
 * Objects still being processed have no file row yet; their upload is completed with a running operation.
 */
async function deleteUnreferencedObjects(app: App, olderThan: number) {
  const store = storeOf(app);
  const referenced = new Set((await app.db.selectDistinct({ key: onnxFiles.storageKey }).from(onnxFiles)).map((r) => r.key));
  const processing = await app.db
    .select({ key: onnxUploads.storageKey })
    .from(onnxUploads)
    .innerJoin(operations, eq(operations.id, onnxUploads.operationId))
    .where(and(eq(onnxUploads.status, 'completed'), eq(operations.status, 'running')));
  for (const p of processing) referenced.add(p.key);
  let deleted = 0;
  for (const object of await store.listObjects(UPLOAD_PREFIX)) {
    if (referenced.has(object.key) || object.lastModified.getTime() > olderThan) continue;
    await store.delete(object.key);
    deleted++;
  }
  return deleted;
}

/**
 * Completed uploads whose processing has not ended (upload operation still running): (re)starts
 * their workflows. Each start joins the run already under way, so any number of API replicas
 * may reconcile at once; it covers an API that stopped between completing and starting.
 */
export async function startUnfinishedProcessing(app: App) {
  const rows = await app.db
    .select({ uploadOperationId: onnxUploads.operationId, result: operations.result })
    .from(onnxUploads)
    .innerJoin(operations, eq(operations.id, onnxUploads.operationId))
    .where(and(eq(onnxUploads.status, 'completed'), eq(operations.status, 'running')));
  const unfinished: ProcessingIds[] = rows.flatMap(({ uploadOperationId, result }) => {
    const describeOperationId = (result as { describe_operation_id?: string } | null)?.describe_operation_id;
    return describeOperationId ? [{ uploadOperationId, describeOperationId }] : [];
  });
  for (const ids of unfinished) await startProcessingWorkflow(app, ids);
  return unfinished.length;
}
