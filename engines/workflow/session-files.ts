/**
 * Session files (BlobHub's upload_session_file / download_session_file, as blobhub-worker calls
 * them): a `file` session object whose bytes live in the blob store. The object's value is
 * `{type: "file", file: {name, content_type, size, sha256}}`.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { and, eq } from 'drizzle-orm';
import { ulid } from 'ulid';
import { z } from 'zod';
import type { App } from '../../core/app';
import type { BlobStore } from '../../core/blobstore';
import { ApiError, badRequest, notFound } from '../../core/errors';
import { sessionFiles, sessionObjects } from '../../db/schema';
import { readSessionObject, upsertSessionObject, type SessionScope } from './session-objects';

/** The deployed BlobHub's cap, which blobhub-worker mirrors (FILE_MAX_BYTES). */
export const SESSION_FILE_MAX_BYTES = 4 * 1024 * 1024;
/** How long a download URL stays valid. */
const DOWNLOAD_URL_SECONDS = 15 * 60;

export const fileMeta = {
  name: z.string().min(1).max(255),
  content_type: z.string().max(255).default('application/octet-stream'),
  size: z.number().int().min(0).max(SESSION_FILE_MAX_BYTES).optional(),
};

const mimeType = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}(\s*;.*)?$/;

function storeOf(app: App): BlobStore {
  if (!app.blobStore) throw new ApiError('unavailable', 'no blob store is configured');
  return app.blobStore;
}

type ObjectRow = typeof sessionObjects.$inferSelect;

export const toSessionObjectWire = (revisionId: string, row: ObjectRow) => ({
  revision_id: revisionId,
  session_id: row.sessionId,
  alias: row.alias,
  type: row.type,
  updated_at: row.updatedAt.toISOString(),
  value: row.value,
});

export interface FileUpload {
  alias: string;
  name: string;
  content_type: string;
  size?: number;
}

/** Reads the whole body, refusing more than the cap as soon as it is passed. */
async function readCapped(body: AsyncIterable<Buffer | string> | Iterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += bytes.length;
    if (size > SESSION_FILE_MAX_BYTES) throw new ApiError('payload_too_large', `session files hold at most ${SESSION_FILE_MAX_BYTES} bytes`);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/**
 * Stores the bytes under a new key, then in one transaction points the object at them (with its
 * session_object_modified event); the bytes it replaces leave the store after the commit.
 */
export async function uploadSessionFile(app: App, scope: SessionScope, upload: FileUpload, body: AsyncIterable<Buffer | string> | Iterable<Buffer>) {
  if (!mimeType.test(upload.content_type))
    throw new ApiError('bad_request', `content_type ${upload.content_type} is not a media type`, { engineCode: 'unsupported_file_type' });
  const bytes = await readCapped(body);
  if (upload.size !== undefined && upload.size !== bytes.length) throw badRequest(`size ${upload.size} does not match the ${bytes.length} bytes sent`);
  const store = storeOf(app);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const storageKey = `sessions/${scope.sessionId}/files/${ulid().toLowerCase()}`;
  await store.put(storageKey, Readable.from([bytes]), bytes.length);
  const value = { type: 'file', file: { name: upload.name, content_type: upload.content_type, size: bytes.length, sha256 } };
  const replaced = await app.db.transaction(async (tx) => {
    const [previous] = await tx
      .select()
      .from(sessionFiles)
      .where(and(eq(sessionFiles.sessionId, scope.sessionId), eq(sessionFiles.alias, upload.alias)));
    await upsertSessionObject(tx, scope, upload.alias, value);
    await tx
      .insert(sessionFiles)
      .values({ sessionId: scope.sessionId, alias: upload.alias, storageKey, size: bytes.length, sha256 })
      .onConflictDoUpdate({ target: [sessionFiles.sessionId, sessionFiles.alias], set: { storageKey, size: bytes.length, sha256, createdAt: new Date() } });
    return previous?.storageKey;
  });
  if (replaced) await store.delete(replaced);
  const row = await readSessionObject(app, scope.sessionId, upload.alias);
  return row!;
}

/** The file object and where its bytes are; not_found unless `alias` is a file of the session. */
export async function findSessionFile(app: App, sessionId: string, alias: string) {
  const [found] = await app.db
    .select({ object: sessionObjects, file: sessionFiles })
    .from(sessionObjects)
    .innerJoin(sessionFiles, and(eq(sessionFiles.sessionId, sessionObjects.sessionId), eq(sessionFiles.alias, sessionObjects.alias)))
    .where(and(eq(sessionObjects.sessionId, sessionId), eq(sessionObjects.alias, alias), eq(sessionObjects.type, 'file')));
  if (!found) throw notFound(`session file ${alias}`);
  return found;
}

export const openSessionFile = (app: App, storageKey: string) => storeOf(app).get(storageKey);

/** A signed GET for the bytes: presigned on S3, the API's own signed URL on the local store. */
export async function signSessionFileDownload(app: App, storageKey: string) {
  const signed = await storeOf(app).signDownload(storageKey, DOWNLOAD_URL_SECONDS);
  return { url: signed.url, method: signed.method, headers: signed.headers, expires_at: signed.expiresAt.toISOString() };
}

/** Removes a session's file bytes from the store; call once its rows are gone (delete_session). */
export async function removeSessionFileBytes(app: App, storageKeys: string[]) {
  for (const key of storageKeys) await storeOf(app).delete(key);
}

export async function sessionFileKeys(app: App, sessionId: string): Promise<string[]> {
  const rows = await app.db.select({ key: sessionFiles.storageKey }).from(sessionFiles).where(eq(sessionFiles.sessionId, sessionId));
  return rows.map((r) => r.key);
}
