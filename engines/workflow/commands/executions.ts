/** create/get/list/cancel/signal executions, their events and persisted data. */
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { and, asc, desc, eq, gt, ilike, inArray, lt, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../../core/app';
import { auditCommand } from '../../../core/audit';
import { defineCommand, type CommandContext } from '../../../core/engines';
import { eventToWire } from '../../../core/events';
import { ApiError, badRequest, conflict, notFound } from '../../../core/errors';
import { specStatusesOf, statusFilterOf } from '../../../http/dialect';
import { claimIdempotencyKey, idempotencyKeySchema, requestHash, requestIdempotencyKey } from '../../../core/idempotency';
import { hasPrefix, newId } from '../../../core/ids';
import { decodeNumberCursor, numberPageQuery, pageQuery, fetchPage } from '../../../core/paging';
import { idOf, isoDate } from '../../../core/schemas';
import { events, executionData, executionStatuses, executions, executionTriggers } from '../../../db/schema';
import { createExecution, liveStatuses, requireSessionByRef, toExecutionWire, type ExecutionRow } from '../executions';
import { reconcileExecution, terminateStrayWorkflow } from '../reconcile';
import { inputData } from '../model';
import { lineageOf } from '../lineage';
import { rerunExecution } from '../rerun';
import { executionSignalUpdate, UNKNOWN_SIGNAL, type ExecutionSignal } from '../temporal/signals';
import { storedValue } from '../values';
import { definitionAlias } from './definitions';
import { addLogContext } from '../../../core/log';

const executionId = idOf('execution');

/**
 * Executions list newest first by creation time, not by id (docs/spec.md §4 "newest first by
 * `created_at`"): a schedule's executions have ids hashed from the fire, which do not sort by
 * time. The cursor stays the last shown id; the rows after it are those created before it.
 */
const createdBeforeCursor = (cursor: string | undefined) =>
  cursor ? sql`(${executions.createdAt}, ${executions.id}) < (select e.created_at, e.id from ${executions} e where e.id = ${cursor})` : undefined;

async function requireExecution(ctx: CommandContext, id: string) {
  const [row] = await ctx.app.db
    .select()
    .from(executions)
    .where(and(eq(executions.id, id), eq(executions.revisionId, ctx.revision.id)));
  if (!row) throw notFound('execution');
  addLogContext({ execution_id: row.id });
  return row;
}

/** Requests cancellation; the workflow records the outcome. A workflow already gone is fine. */
export async function cancelWorkflow(app: App, id: string) {
  try {
    await app.temporal.client.workflow.getHandle(id).cancel();
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
  }
}

/** An ended execution takes no signal or cancel: 409 naming its state. */
function requireLive(row: ExecutionRow): ExecutionRow {
  if (!liveStatuses.includes(row.status)) throw conflict(`the execution already ended (${row.status})`, { status: row.status, error: row.error });
  return row;
}

const temporalUnavailable = (cause: unknown) => new ApiError('unavailable', 'the workflow service is unavailable; try again', { cause });

/**
 * Sends something to a live execution's workflow. When Temporal has no running workflow for it, the
 * row is brought in line first (reconcile.ts): 409 naming its state if it has ended, else false
 * (its workflow is not started yet).
 */
async function sendToWorkflow(app: App, row: ExecutionRow, send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (e) {
    // the workflow's own answer (a refused signal) passes through
    if (e instanceof ApiError) throw e;
    if (!(e instanceof WorkflowNotFoundError)) throw temporalUnavailable(e);
    requireLive(await reconcileExecution(app, row));
    return false;
  }
}

/** Records when the cancel was first asked for (and who asked), so that any API process terminates it after the grace period. */
async function markCancelRequested(ctx: CommandContext, row: ExecutionRow): Promise<ExecutionRow> {
  return ctx.app.db.transaction(async (tx) => {
    const [marked] = await tx
      .update(executions)
      .set({ cancelRequestedAt: sql`coalesce(${executions.cancelRequestedAt}, now())` })
      .where(and(eq(executions.id, row.id), inArray(executions.status, liveStatuses)))
      .returning();
    if (marked) await auditCommand(tx, ctx, 'execution.cancel', { type: 'execution', id: row.id }, { status: marked.status });
    return marked ?? row;
  });
}

/**
 * Delivers a signal as an update, answered once the workflow has buffered it for flow.wait. A name
 * no flow.wait of the plan consumes is refused by the workflow's validator (history untouched): 400.
 */
async function signalAsUpdate(app: App, row: ExecutionRow, signal: ExecutionSignal) {
  try {
    await app.temporal.client.workflow.getHandle(row.id).executeUpdate(executionSignalUpdate, { args: [signal] });
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError && e.cause instanceof ApplicationFailure && e.cause.type === UNKNOWN_SIGNAL) {
      throw new ApiError('bad_request', e.cause.message, { engineCode: 'unknown_signal', details: e.cause.details?.[0] });
    }
    throw e;
  }
}

/** BlobHub's reference parts (org, blob, revision, definition) are at most 64 characters. */
const referencePart = z.string().min(1).max(64);
/** BlobHub's `workflow` reference: a definition, alone or qualified by the blob and revision holding it. */
const workflowReference = z.strictObject({
  definition: referencePart,
  org: referencePart.optional(),
  blob: referencePart.optional(),
  revision: referencePart.optional(),
});

/**
 * The definition a BlobHub `workflow` reference names, as `{alias}` or `{definitionId}`. A qualified
 * reference must name this very revision (or its blob's `default` while this revision is it).
 */
function definitionOfReference(ctx: CommandContext, ref: z.infer<typeof workflowReference>) {
  if (ref.blob !== undefined) {
    const blobNamed = ref.blob === ctx.blob.id || ref.blob === ctx.blob.name;
    const revisionNamed = ref.revision === ctx.revision.id || (ref.revision === 'default' && ctx.blob.latestRevisionId === ctx.revision.id);
    if (!blobNamed || !revisionNamed) throw badRequest('a workflow reference may only name a definition of the revision the execution is created in');
  }
  return hasPrefix(ref.definition, 'definition') ? { definitionId: ref.definition } : { alias: ref.definition };
}

const cancelCommand = defineCommand({
  kind: 'command',
  input: z.object({ execution_id: executionId }),
  async run(ctx, { execution_id }) {
    const found = await requireExecution(ctx, execution_id);
    // ended in BlobHub, yet perhaps still run by Temporal (a workflow task failing after it finished): stop that too
    if (!liveStatuses.includes(found.status)) await terminateStrayWorkflow(ctx.app, found).catch((e) => Promise.reject(temporalUnavailable(e)));
    const row = requireLive(found);
    // recorded first: if the request below is lost, the reconciler still terminates it after the grace period
    const marked = await markCancelRequested(ctx, row);
    // a workflow not started yet is terminated once it is, after the grace period
    await sendToWorkflow(ctx.app, marked, () => ctx.app.temporal.client.workflow.getHandle(row.id).cancel());
    return { execution: toExecutionWire(ctx.app, marked) };
  },
});

/** A time bound as epoch milliseconds: given as milliseconds or as an ISO time. */
function createdSinceMs(value: number | string | undefined, name = 'created_since'): number | undefined {
  if (value === undefined || typeof value === 'number') return value;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw badRequest(`${name} ${value} is not an ISO 8601 time`);
  // ISO times carry milliseconds at most here; a finer fraction still means "after this millisecond".
  return ms;
}

/** list_executions' filters (docs/spec.md §4 "Executions"): each optional, all of them must hold. */
const executionFilters = {
  session_id: idOf('session').optional(),
  status: statusFilterOf(executionStatuses).optional(),
  alias: definitionAlias.optional().describe('the definition alias the executions ran'),
  created_since: z
    .union([z.number().int().min(0), isoDate])
    .optional()
    .describe('created strictly after (epoch ms or ISO time)'),
  created_before: z
    .union([z.number().int().min(0), isoDate])
    .optional()
    .describe('created strictly before (epoch ms or ISO time)'),
  trigger: z.enum(executionTriggers).optional().describe('what started them'),
  started_by: z
    .union([idOf('user'), idOf('apiKey')])
    .optional()
    .describe('the user, or the API key, that started them'),
  component_failed: z.string().min(1).max(128).optional().describe('a component id or name that failed in them (its error, or its failure route)'),
  search: z.string().trim().min(1).max(128).optional().describe('an execution id, or a part of the definition alias (any case)'),
  rerun_of: executionId.optional().describe('the execution they rerun (rerun_execution)'),
  ...pageQuery,
};

/** A list's total is counted up to here: past it the answer says "at least", so that a count never costs more than a bounded scan. */
export const EXECUTION_TOTAL_CAP = 10_000;

/** How many executions match, counted up to EXECUTION_TOTAL_CAP (+1 tells that the cap was passed). */
async function countUpTo(app: App, where: SQL | undefined) {
  const matching = app.db
    .select({ one: sql`1` })
    .from(executions)
    .where(where)
    .limit(EXECUTION_TOTAL_CAP + 1)
    .as('matching');
  const [row] = await app.db.select({ count: sql<number>`count(*)::int` }).from(matching);
  const count = row?.count ?? 0;
  return { total: Math.min(count, EXECUTION_TOTAL_CAP), total_exact: count <= EXECUTION_TOTAL_CAP };
}

/**
 * An execution id (exe_…) finds that execution by its key; any other text is a part of the alias,
 * in any case, where LIKE's wildcards match themselves.
 */
const searchCondition = (search: string) =>
  executionId.safeParse(search).success ? eq(executions.id, search) : ilike(executions.alias, `%${search.replace(/[\\%_]/g, '\\$&')}%`);

/** A component failure event, written as the partial index events_execution_failures_idx reads it. */
const componentFailure = sql`(${events.type} = 'processor.error' or (${events.type} = 'processor.exited' and ${events.attributes}->>'route' = 'failure'))`;

function executionConditions(f: z.infer<z.ZodObject<typeof executionFilters>>) {
  const since = createdSinceMs(f.created_since);
  const before = createdSinceMs(f.created_before, 'created_before');
  return [
    f.session_id ? eq(executions.sessionId, f.session_id) : undefined,
    f.status ? inArray(executions.status, specStatusesOf<ExecutionRow['status']>(f.status)) : undefined,
    f.alias ? eq(executions.alias, f.alias) : undefined,
    since !== undefined ? gt(executions.createdAt, new Date(since)) : undefined,
    before !== undefined ? lt(executions.createdAt, new Date(before)) : undefined,
    f.trigger ? eq(executions.trigger, f.trigger) : undefined,
    f.started_by ? (hasPrefix(f.started_by, 'apiKey') ? eq(executions.createdByKeyId, f.started_by) : eq(executions.createdBy, f.started_by)) : undefined,
    f.component_failed ? failedComponent(f.component_failed) : undefined,
    f.search ? searchCondition(f.search) : undefined,
    f.rerun_of ? eq(executions.rerunOf, f.rerun_of) : undefined,
  ];
}

/** Executions in which the component (by id or name) failed. */
const failedComponent = (component: string) =>
  sql`exists (select 1 from ${events} where ${events.executionId} = ${executions.id} and ${componentFailure}
    and (${events.attributes}->>'processor_id' = ${component} or ${events.attributes}->>'processor_name' = ${component}))`;

export const executionCommands = {
  create_execution: defineCommand({
    kind: 'command',
    // strict: a misspelt field (say `idempotencyKey`) is refused, not silently dropped
    input: z
      .strictObject({
        session_id: idOf('session').optional(),
        definition_id: idOf('definition').optional(),
        alias: definitionAlias.optional(),
        /** BlobHub's form: the session (id or alias) and the workflow reference */
        target: z.strictObject({ session: z.string().min(1).max(128) }).optional(),
        workflow: workflowReference.optional(),
        input_data: inputData.optional(),
        /** chosen by the caller (`exe_` + ULID) so that a retry after a 503 or a lost answer creates nothing twice */
        execution_id: executionId.optional(),
        timeout_seconds: z
          .number()
          .positive()
          .max(365 * 86_400)
          .optional(),
        /** the same key (or `Idempotency-Key` header) within the retention window returns the first execution */
        idempotency_key: idempotencyKeySchema.optional(),
      })
      .refine((r) => [r.definition_id, r.alias, r.workflow].filter(Boolean).length === 1, { message: 'give exactly one of definition_id, alias and workflow' })
      .refine((r) => !(r.session_id && r.target), { message: 'give session_id or target, not both' }),
    async run(ctx, { idempotency_key, ...input }) {
      const { app, caller, blob, revision } = ctx;
      const key = requestIdempotencyKey(idempotency_key, ctx.idempotencyKey);
      const executionId = key
        ? await claimIdempotencyKey(app, {
            orgId: blob.orgId,
            key,
            requestHash: requestHash('create_execution', revision.id, input),
            candidateId: input.execution_id ?? newId('execution'),
          })
        : input.execution_id;
      const session = input.target ? await requireSessionByRef(app.db, revision.id, input.target.session) : undefined;
      const definition = input.workflow ? definitionOfReference(ctx, input.workflow) : { alias: input.alias, definitionId: input.definition_id };
      const execution = await createExecution(app, {
        caller,
        actor: ctx.actor,
        blob,
        revision,
        sessionId: session?.id ?? input.session_id,
        ...definition,
        inputData: input.input_data,
        timeoutSeconds: input.timeout_seconds,
        executionId,
      });
      return { execution };
    },
  }),
  rerun_execution: defineCommand({
    kind: 'command',
    input: z.strictObject({
      execution_id: executionId,
      /** the component (id) to run from; the start component when not given */
      from_component: z.string().min(1).max(128).optional(),
      /** inputs that replace the original's of the same alias */
      input_data: inputData.optional(),
      idempotency_key: idempotencyKeySchema.optional(),
    }),
    async run(ctx, { idempotency_key, ...input }) {
      const { app, caller, blob, revision } = ctx;
      const original = await requireExecution(ctx, input.execution_id);
      const key = requestIdempotencyKey(idempotency_key, ctx.idempotencyKey);
      const executionId = key
        ? await claimIdempotencyKey(app, {
            orgId: blob.orgId,
            key,
            requestHash: requestHash('rerun_execution', revision.id, input),
            candidateId: newId('execution'),
          })
        : undefined;
      const execution = await rerunExecution(
        app,
        { caller, actor: ctx.actor, blob, revision, executionId },
        { original, fromComponent: input.from_component, inputOverrides: input.input_data },
      );
      return { execution };
    },
  }),
  get_execution_lineage: defineCommand({
    kind: 'query',
    input: z.object({ execution_id: executionId }),
    async run(ctx, { execution_id }) {
      return { lineage: await lineageOf(ctx.app, await requireExecution(ctx, execution_id)) };
    },
  }),
  get_execution: defineCommand({
    kind: 'query',
    input: z.object({ execution_id: executionId }),
    async run(ctx, { execution_id }) {
      return { execution: toExecutionWire(ctx.app, await requireExecution(ctx, execution_id)) };
    },
  }),
  list_executions: defineCommand({
    kind: 'query',
    // strict: an unknown filter is a 400, never silently ignored (which would answer a wider list)
    input: z.strictObject({
      ...executionFilters,
      include_total: z.boolean().optional().describe(`also count every match (all pages), up to ${EXECUTION_TOTAL_CAP}: \`total\`, \`total_exact\``),
    }),
    async run({ app, revision }, { include_total, ...filters }) {
      const matching = and(eq(executions.revisionId, revision.id), ...executionConditions(filters));
      // newest first by creation time: a schedule's executions have hashed ids, so the id alone would misorder them
      const where = and(matching, createdBeforeCursor(filters.cursor));
      const [{ items, cursor: next }, total] = await Promise.all([
        fetchPage(filters.limit, (take) => app.db.select().from(executions).where(where).orderBy(desc(executions.createdAt), desc(executions.id)).limit(take)),
        include_total ? countUpTo(app, matching) : undefined,
      ]);
      return { executions: items.map((e) => toExecutionWire(app, e)), cursor: next, ...total };
    },
  }),
  list_execution_events: defineCommand({
    kind: 'query',
    input: z.object({
      execution_id: executionId,
      /** the seq of the last event already seen */
      after: z.coerce.number().int().min(0).optional(),
      /** BlobHub's paging: oldest first unless `ascending` is false, events created strictly after `created_since` */
      ascending: z.boolean().default(true),
      created_since: z.union([z.number().int().min(0), isoDate]).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: numberPageQuery.cursor,
    }),
    async run(ctx, { execution_id, after, ascending, created_since, limit, cursor }) {
      await requireExecution(ctx, execution_id);
      const since = createdSinceMs(created_since);
      const bound = decodeNumberCursor(cursor);
      const { items, cursor: next } = await fetchPage(
        limit,
        (take) =>
          ctx.app.db
            .select()
            .from(events)
            .where(
              and(
                eq(events.executionId, execution_id),
                ascending ? gt(events.seq, bound ?? after ?? 0) : bound !== undefined ? lt(events.seq, bound) : undefined,
                since !== undefined ? gt(events.createdAt, since) : undefined,
              ),
            )
            .orderBy(ascending ? asc(events.seq) : desc(events.seq))
            .limit(take),
        (e) => String(e.seq),
      );
      const wire = items.map(eventToWire);
      // `execution_events` is BlobHub's name, with `created_at` as the ISO time its clients parse.
      const executionEvents = wire.map((e) => ({ ...e, created_at: new Date(e.created_at).toISOString() }));
      return { events: wire, execution_events: executionEvents, cursor: next };
    },
  }),
  cancel_execution: cancelCommand,
  /** BlobHub's name for cancel_execution */
  stop_execution: cancelCommand,
  signal_execution: defineCommand({
    kind: 'command',
    input: z.object({ execution_id: executionId, name: z.string().min(1).max(128), payload: z.unknown().optional() }),
    async run(ctx, { execution_id, name, payload }) {
      const row = requireLive(await requireExecution(ctx, execution_id));
      const sent = await sendToWorkflow(ctx.app, row, () => signalAsUpdate(ctx.app, row, { name, payload: payload ?? null }));
      if (!sent) throw conflict(`the execution has not started on Temporal yet (${row.status})`, { status: row.status });
      // no row changes: the entry is written once the workflow took the signal (its payload is the run's data, not the log's)
      await auditCommand(ctx.app.db, ctx, 'execution.signal', { type: 'execution', id: row.id }, { name });
      return {};
    },
  }),
  get_execution_data: defineCommand({
    kind: 'query',
    input: z.object({ execution_id: executionId, data_id: z.string().uuid() }),
    async run(ctx, { execution_id, data_id }) {
      await requireExecution(ctx, execution_id);
      const [row] = await ctx.app.db
        .select()
        .from(executionData)
        .where(and(eq(executionData.id, data_id), eq(executionData.executionId, execution_id)));
      if (!row) throw notFound('execution data');
      return { data: { id: row.id, execution_id, value: await storedValue(ctx.app, row), created_at: row.createdAt.toISOString() } };
    },
  }),
};
