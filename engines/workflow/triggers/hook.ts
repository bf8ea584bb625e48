/**
 * The public webhook route `POST /hooks/:trigger_id` (docs/spec.md §4 "Webhook triggers"): checks
 * the trigger, the body size, the secret or signature and the rate limit, maps the request to
 * inputs and starts the execution as the trigger's creator; answers 202 with it, or (sync mode)
 * 200 with it ended, outputs included, if it ends in time.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { and, eq, isNull, sql } from 'drizzle-orm';
import getRawBody from 'raw-body';
import { roleAtLeast, roleOn, type Caller } from '../../../core/access';
import type { App } from '../../../core/app';
import { actorOf } from '../../../core/actor';
import { decrypt } from '../../../core/crypto';
import { delegatedCaller } from '../../../core/delegation';
import { badRequest, conflict, forbidden, httpStatusOf, notFound, toErrorBody, type ErrorBody } from '../../../core/errors';
import { claimIdempotencyKey, idempotencyKeySchema, requestHash } from '../../../core/idempotency';
import { newId } from '../../../core/ids';
import { idOf } from '../../../core/schemas';
import { assertAcceptableInput } from '../../../core/storable-input';
import { blobs, executions, revisions, workflowTriggers } from '../../../db/schema';
import { toRestBody, toRestError } from '../../../http/dialect';
import { createExecution, findDefinition, liveStatuses, toExecutionWire, type ExecutionWire } from '../executions';
import { mapInputs } from './mapping';
import { specOf, type TriggerRow, type TriggerSpec } from './model';
import { verifyHookRequest } from './signature';
import { logger } from '../../../core/log';

const HOOK_ROUTE = /^\/hooks\/([^/]*)\/?$/;
const triggerId = idOf('trigger');

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** A refusal with headers of its own (Allow, Retry-After, Connection). */
class HookRefusal extends Error {
  constructor(
    readonly status: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string>,
  ) {
    super(body.message);
  }
}

async function activeTrigger(app: App, id: string): Promise<TriggerRow> {
  const [row] = triggerId.safeParse(id).success
    ? await app.db
        .select()
        .from(workflowTriggers)
        .where(and(eq(workflowTriggers.id, id), isNull(workflowTriggers.revokedAt)))
    : [];
  if (!row) throw notFound('trigger');
  return row;
}

async function readBody(req: IncomingMessage, spec: TriggerSpec): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit: spec.max_body_bytes, length: req.headers['content-length'] });
  } catch (e) {
    if ((e as { type?: string }).type === 'entity.too.large')
      throw new HookRefusal(
        413,
        { code: 'payload_too_large', message: `the body is over this trigger's ${spec.max_body_bytes} bytes` },
        { connection: 'close' },
      );
    throw badRequest(`the body could not be read: ${(e as Error).message}`);
  }
}

const withoutPrototype = (value: object): Record<string, unknown> => Object.assign(Object.create(null) as Record<string, unknown>, value);

/** Objects without a prototype, so that a JSON pointer such as `/constructor` finds only what the sender sent. */
const plainObjects = (_key: string, value: unknown): unknown => (value && typeof value === 'object' && !Array.isArray(value) ? withoutPrototype(value) : value);

/** The body as a mapping reads it: JSON (by content type), a form as an object, else its text. */
function parseBody(contentType: string | undefined, bytes: Buffer): unknown {
  const text = bytes.toString('utf8');
  if (/[/+]json\b/i.test(contentType ?? '')) {
    if (text.trim() === '') return null;
    try {
      return JSON.parse(text, plainObjects);
    } catch (e) {
      throw badRequest(`the body is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (/application\/x-www-form-urlencoded/i.test(contentType ?? '')) return withoutPrototype(Object.fromEntries(new URLSearchParams(text)));
  return text;
}

/**
 * Counts the request in the trigger's one-minute window (one row, shared by every API process);
 * past its limit, 429 with the seconds until the window ends.
 */
async function takeRateSlot(app: App, row: TriggerRow, spec: TriggerSpec) {
  const windowOver = sql`${workflowTriggers.windowStartedAt} <= now() - interval '1 minute'`;
  const [counted] = await app.db
    .update(workflowTriggers)
    .set({
      windowStartedAt: sql`case when ${windowOver} then now() else ${workflowTriggers.windowStartedAt} end`,
      windowCount: sql`case when ${windowOver} then 1 else ${workflowTriggers.windowCount} + 1 end`,
      lastUsedAt: sql`now()`,
    })
    .where(and(eq(workflowTriggers.id, row.id), isNull(workflowTriggers.revokedAt)))
    .returning({
      count: workflowTriggers.windowCount,
      secondsLeft: sql<number>`ceil(extract(epoch from ${workflowTriggers.windowStartedAt} + interval '1 minute' - now()))::int`,
    });
  if (!counted) throw notFound('trigger'); // revoked meanwhile
  if (counted.count > spec.rate_limit_per_minute) {
    const retryAfter = String(Math.max(1, counted.secondsLeft));
    const message = `this trigger takes ${spec.rate_limit_per_minute} requests a minute; retry in ${retryAfter} s`;
    throw new HookRefusal(429, { code: 'rate_limited', message }, { 'retry-after': retryAfter });
  }
}

/** The revision the trigger runs now and the caller it runs as, who must still be allowed to write to the blob. */
async function resolveTarget(
  app: App,
  row: TriggerRow,
  spec: TriggerSpec,
): Promise<{ caller: Caller; blob: typeof blobs.$inferSelect; revision: typeof revisions.$inferSelect }> {
  const caller = await delegatedCaller(app.db, row, 'trigger');
  if (typeof caller === 'string') throw forbidden(caller);
  const [blob] = await app.db.select().from(blobs).where(eq(blobs.id, row.blobId));
  if (!blob) throw notFound('trigger');
  if (!roleAtLeast(await roleOn(app.db, caller, { type: 'blob', blob }), 'write'))
    throw forbidden(`the trigger's creator can no longer write to blob ${blob.id}`);
  const revisionId = row.revisionId ?? blob.latestRevisionId;
  const [revision] = revisionId ? await app.db.select().from(revisions).where(eq(revisions.id, revisionId)) : [];
  if (!revision) throw conflict(`blob ${blob.id} has no default revision`);
  await findDefinition(app.db, revision.id, { alias: spec.alias }).catch(() => {
    throw conflict(`revision ${revision.id} has no definition ${spec.alias}`);
  });
  return { caller, blob, revision };
}

/** The execution id a delivery creates: its own, or the first one with the same `Idempotency-Key` (a sender's retry). */
async function executionIdOf(app: App, req: IncomingMessage, row: TriggerRow, orgId: string, request: unknown): Promise<string> {
  const header = req.headers['idempotency-key'];
  if (header === undefined) return newId('execution');
  const key = idempotencyKeySchema.safeParse(header);
  if (!key.success) throw badRequest('invalid Idempotency-Key header', key.error.issues);
  // keys of one trigger's deliveries never meet the org's create_execution keys
  return claimIdempotencyKey(app, { orgId, key: `${row.id}/${key.data}`, requestHash: requestHash('hook', row.id, request), candidateId: newId('execution') });
}

/** The execution once it has ended, or undefined when it has not within the wait. */
async function endedWithin(app: App, execution: ExecutionWire, seconds: number): Promise<ExecutionWire | undefined> {
  const { client } = app.temporal;
  await client
    .withDeadline(Date.now() + seconds * 1000, () => client.workflow.getHandle(execution.id).result())
    .catch(() => {
      // failed, cancelled or still running at the deadline: the row says which
    });
  const [row] = await app.db.select().from(executions).where(eq(executions.id, execution.id));
  return row && !liveStatuses.includes(row.status) ? toExecutionWire(app, row) : undefined;
}

async function answerHook(app: App, req: IncomingMessage, url: URL, id: string): Promise<Answer> {
  if (req.method !== 'POST')
    throw new HookRefusal(405, { code: 'method_not_allowed', message: `${req.method} is not allowed on a webhook; POST to it` }, { allow: 'POST' });
  const row = await activeTrigger(app, id);
  const spec = specOf(row);
  const bytes = await readBody(req, spec);
  verifyHookRequest(spec, decrypt(app.secretKey, row.secretSealed), req.headers, bytes);
  await takeRateSlot(app, row, spec);
  const body = parseBody(req.headers['content-type'], bytes);
  assertAcceptableInput(body);
  const inputData = mapInputs(spec.input_mapping, { body, query: url.searchParams, headers: req.headers });
  const { caller, blob, revision } = await resolveTarget(app, row, spec);
  const executionId = await executionIdOf(app, req, row, blob.orgId, { revision_id: revision.id, input_data: inputData });
  const actor = actorOf(caller, { via: 'webhook', clientIp: req.socket.remoteAddress, userAgent: req.headers['user-agent'] });
  const execution = await createExecution(app, { caller, actor, blob, revision, alias: spec.alias, inputData, triggerId: row.id, executionId });
  if (spec.mode === 'async') return { status: 202, body: { execution } };
  const ended = await endedWithin(app, execution, spec.sync_timeout_seconds);
  return ended ? { status: 200, body: { execution: ended } } : { status: 202, body: { execution } };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function fail(req: IncomingMessage, res: ServerResponse, error: unknown) {
  req.resume();
  if (res.headersSent) return void res.destroy();
  if (error instanceof HookRefusal) return send(res, error.status, toRestError(error.body), error.headers);
  const status = httpStatusOf(error);
  if (status === 500) logger.error({ err: error }, 'workflow: webhook request failed');
  send(res, status, toRestError(toErrorBody(error)));
}

/** Answers every request under /hooks/; returns false for any other path. */
export async function handleHookRequest(app: App, req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
  if (!url.pathname.startsWith('/hooks/')) return false;
  const match = HOOK_ROUTE.exec(url.pathname);
  try {
    if (!match) throw notFound('trigger');
    const answer = await answerHook(app, req, url, match[1] ?? '');
    send(res, answer.status, toRestBody(answer.body), answer.headers);
  } catch (error) {
    fail(req, res, error);
  }
  return true;
}
