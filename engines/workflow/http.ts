/**
 * The workflow engine's raw HTTP surface: session file bytes on the data route, the way
 * blobhub-worker sends them (upload: octet-stream body, command JSON in X-Request-Body;
 * download: JSON body with `Accept: application/octet-stream`, envelope in X-Response-Body).
 * Also the public webhook route `/hooks/:trigger_id` (triggers/hook.ts).
 * Registered ahead of the ONNX engine's raw routes; a raw request that is not a session file
 * command is left to them.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { credentialsFromHeaders } from '../../http/credentials';
import { resolveCaller } from '../../core/auth';
import { readRawCommandText } from '../../http/raw-command';
import type { HttpExtension } from '../../core/http';
import type { App } from '../../core/app';
import { requireEngineRevision } from '../../core/engines';
import { ApiError, badRequest, httpStatusOf, toErrorBody } from '../../core/errors';
import { idOf } from '../../core/schemas';
import { requireSessionIn } from './executions';
import { handleHookRequest } from './triggers/hook';
import { sessionFileInput } from './commands/session-files';
import { findSessionFile, openSessionFile, toSessionObjectWire, uploadSessionFile } from './session-files';
import { logger } from '../../core/log';

const DATA_ROUTE = /^\/v1\/revisions\/([^/]+)\/data(?:\/command|\/query)?$/;
const octet = (h: string | string[] | undefined) => /application\/octet-stream/i.test(String(h ?? ''));

const rawCommand = z.discriminatedUnion('command', [
  sessionFileInput.extend({ command: z.literal('upload_session_file'), engine: z.string().optional() }),
  z.object({ command: z.literal('download_session_file'), engine: z.string().optional(), session_id: idOf('session'), alias: z.string() }),
]);
type RawCommand = z.infer<typeof rawCommand>;

const isSessionFileCommand = (text: string) => {
  try {
    const command = (JSON.parse(text) as { command?: unknown }).command;
    return command === 'upload_session_file' || command === 'download_session_file';
  } catch {
    return false;
  }
};

async function authorizedScope(app: App, req: IncomingMessage, revisionId: string, body: RawCommand) {
  const caller = await resolveCaller(app, credentialsFromHeaders(req.headers));
  const action = body.command === 'upload_session_file' ? 'write' : 'read';
  const { revision, blob } = await requireEngineRevision(app.db, caller, {
    revisionId,
    engine: body.engine,
    use: (engine) => {
      if (engine.name !== 'workflow_blobhub') throw badRequest(`${body.command} is a command of the workflow_blobhub engine, on workflow blobs`);
      return { action };
    },
  });
  await requireSessionIn(app.db, revision.id, body.session_id);
  return { orgId: blob.orgId, blobId: blob.id, revisionId: revision.id, sessionId: body.session_id };
}

async function handle(app: App, req: IncomingMessage, res: ServerResponse, revisionId: string, body: RawCommand) {
  const scope = await authorizedScope(app, req, revisionId, body);
  if (body.command === 'upload_session_file') {
    const row = await uploadSessionFile(app, scope, body, req);
    const result = { status: 'success', object: toSessionObjectWire(revisionId, row) };
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(result));
    return;
  }
  const { object, file } = await findSessionFile(app, scope.sessionId, body.alias);
  const stream = await openSessionFile(app, file.storageKey);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'content-length': file.size,
    'x-response-body': JSON.stringify({ status: 'success', object: toSessionObjectWire(revisionId, object) }),
  });
  stream.pipe(res);
  await new Promise<void>((resolve) => res.once('close', resolve));
}

function fail(res: ServerResponse, req: IncomingMessage, error: unknown) {
  req.resume();
  if (res.headersSent) return void res.destroy();
  const status = httpStatusOf(error);
  if (status === 500) logger.error({ err: error }, 'workflow: raw session file request failed');
  const { code, message, details } = toErrorBody(error);
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'error', error: code, message, details }));
}

export function workflowHttpExtension(app: App): HttpExtension {
  return {
    async handle(req, res, url) {
      if (await handleHookRequest(app, req, res, url)) return true;
      const revisionId = DATA_ROUTE.exec(url.pathname)?.[1];
      if (!revisionId || req.method !== 'POST' || !(octet(req.headers['content-type']) || octet(req.headers.accept))) return false;
      // bytes without their command: not a session file upload (the ONNX routes answer it)
      if (octet(req.headers['content-type']) && typeof req.headers['x-request-body'] !== 'string') return false;
      try {
        const text = await readRawCommandText(req);
        if (!isSessionFileCommand(text)) return false;
        const parsed = rawCommand.safeParse(JSON.parse(text));
        if (!parsed.success) throw new ApiError('bad_request', 'invalid session file command', { details: parsed.error.issues });
        await handle(app, req, res, decodeURIComponent(revisionId), parsed.data);
      } catch (error) {
        fail(res, req, error);
      }
      return true;
    },
  };
}
