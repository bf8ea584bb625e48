/**
 * The ONNX engine's raw HTTP surface: the local store's signed URLs, BlobHub's older single-request
 * `upload` / `download` (octet-stream bodies, JSON envelope in X-Request-Body / X-Response-Body).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { credentialsFromHeaders } from '../../http/credentials';
import { resolveCaller } from '../../core/auth';
import { readRawCommandText } from '../../http/raw-command';
import type { HttpExtension } from '../../core/http';
import { userIdOf } from '../../core/access';
import type { App } from '../../core/app';
import { LocalBlobStore } from '../../core/blobstore';
import { requireEngineRevision } from '../../core/engines';
import { toRestBody, toRestError } from '../../http/dialect';
import { ApiError, badRequest, httpStatusOf, theRow, toErrorBody } from '../../core/errors';
import { createOperation } from '../../core/operations';
import { assertDraft } from '../../core/revisions';
import { onnxUploads } from '../../db/schema';
import { requireFile, storeOf } from './files';
import { ENGINE_NAME } from './engine-name';
import { modelPath } from './model-path';
import { abandonOperation, startProcessing, UPLOAD_PREFIX } from './uploads';
import { logger } from '../../core/log';

const DATA_ROUTE = /^\/v1\/revisions\/([^/]+)\/data(?:\/command|\/query)?$/;
/** A single PUT to S3 holds at most 5 GiB; larger models go through initiate_upload. */
const MAX_SINGLE_UPLOAD = 5 * 1024 * 1024 * 1024;

const envelope = z.discriminatedUnion('command', [
  z.object({
    engine: z.string().optional(),
    command: z.literal('upload'),
    path: modelPath.default('model.onnx'),
    size: z.number().int().positive().optional(),
  }),
  z.object({ engine: z.string().optional(), command: z.literal('download'), path: modelPath.optional() }),
]);
type Envelope = z.infer<typeof envelope>;

/** Bytes in (octet-stream body) or bytes out (Accept: octet-stream): not for the JSON adapter. */
function isRawRequest(req: IncomingMessage) {
  const octet = (h: string | undefined) => /application\/octet-stream/i.test(h ?? '');
  return req.method === 'POST' && (octet(req.headers['content-type']) || octet(req.headers.accept));
}

async function readEnvelope(req: IncomingMessage): Promise<Envelope> {
  const text = await readRawCommandText(req);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw badRequest('the command is not JSON');
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) throw new ApiError('bad_request', 'invalid command', { details: parsed.error.issues });
  return parsed.data;
}

/** Same caller resolution and access checks as the REST data route; no engine named means this one. */
async function authorizedRevision(app: App, req: IncomingMessage, revisionId: string, body: Envelope, action: 'read' | 'write') {
  const caller = await resolveCaller(app, credentialsFromHeaders(req.headers));
  const { revision } = await requireEngineRevision(app.db, caller, {
    revisionId,
    engine: body.engine ?? ENGINE_NAME,
    use: (engine) => {
      if (engine.name !== ENGINE_NAME) throw badRequest(`octet-stream bodies are only for the ONNX engine's upload and download`);
      return { action };
    },
  });
  return { caller, revision };
}

async function legacyUpload(app: App, req: IncomingMessage, res: ServerResponse, revisionId: string, body: Extract<Envelope, { command: 'upload' }>) {
  const { caller, revision } = await authorizedRevision(app, req, revisionId, body, 'write');
  assertDraft(revision);
  const length = Number(req.headers['content-length']);
  if (!Number.isSafeInteger(length) || length <= 0) throw badRequest('send the model with a Content-Length');
  if (body.size !== undefined && body.size !== length) throw badRequest(`size ${body.size} does not match Content-Length ${length}`);
  if (length > MAX_SINGLE_UPLOAD) throw new ApiError('payload_too_large', 'use initiate_upload for models over 5 GiB');
  const operation = await createOperation(app, { type: 'onnx.upload', target: { type: 'revision', id: revision.id }, createdBy: userIdOf(caller) });
  const storageKey = `${UPLOAD_PREFIX}${operation.id}`;
  await storeOf(app)
    .put(storageKey, req, length)
    .catch((e: unknown) => abandonOperation(app, operation.id, e));
  const upload = await app.db
    .insert(onnxUploads)
    .values({
      operationId: operation.id,
      revisionId: revision.id,
      path: body.path,
      size: length,
      storageKey,
      storeUploadId: '',
      parts: [],
      status: 'completed',
      expiresAt: new Date(),
    })
    .returning()
    .then(theRow);
  const result = toRestBody({ operation_id: operation.id, ...(await startProcessing(app, upload)) });
  res.writeHead(200, { 'content-type': 'application/json', 'x-response-body': JSON.stringify(result) }).end(JSON.stringify(result));
}

async function legacyDownload(app: App, req: IncomingMessage, res: ServerResponse, revisionId: string, body: Extract<Envelope, { command: 'download' }>) {
  const { revision } = await authorizedRevision(app, req, revisionId, body, 'read');
  const file = await requireFile(app.db, revision, body.path);
  const stream = await storeOf(app).get(file.storageKey);
  req.resume();
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': file.size,
    'x-response-body': JSON.stringify(toRestBody({ path: file.path, size: file.size, sha256: file.sha256 })),
  });
  stream.pipe(res);
  await new Promise<void>((resolve) => res.once('close', resolve));
}

async function handleRaw(app: App, req: IncomingMessage, res: ServerResponse, revisionId: string) {
  try {
    const body = await readEnvelope(req);
    await (body.command === 'upload' ? legacyUpload(app, req, res, revisionId, body) : legacyDownload(app, req, res, revisionId, body));
  } catch (error) {
    req.resume();
    if (res.headersSent) return void res.destroy();
    const status = httpStatusOf(error);
    if (status === 500) logger.error({ err: error }, 'onnx: raw request failed');
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(toRestError(toErrorBody(error))));
  }
}

export function onnxHttpExtension(app: App): HttpExtension {
  const store = storeOf(app);
  return {
    async handle(req, res, url) {
      if (store instanceof LocalBlobStore && (await store.handleSignedRequest(req, res, url))) return true;
      const revisionId = DATA_ROUTE.exec(url.pathname)?.[1];
      if (!revisionId || !isRawRequest(req)) return false;
      await handleRaw(app, req, res, decodeURIComponent(revisionId));
      return true;
    },
  };
}
