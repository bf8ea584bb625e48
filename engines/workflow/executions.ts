/**
 * Executions: create (row + Temporal workflow, id = execution id), wire shape, and the lookups the
 * commands and the scheduler share.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Caller } from '../../core/access';
import type { App } from '../../core/app';
import type { Actor } from '../../core/actor';
import { recordAudit } from '../../core/audit';
import type { BlobRow, RevisionRow } from '../../core/engines';
import { ApiError, badRequest, conflict, forbidden, notFound, theRow } from '../../core/errors';
import { hasPrefix, newId } from '../../core/ids';
import type { Transaction } from '../../db/client';
import { blobs, definitions, executionData, executions, executionTriggers, revisions, sessions } from '../../db/schema';
import type { InputData } from './model';
import type { ExecutionArgs, ValueRef } from './plan';
import type { CarriedState } from './temporal/carry-over';
import { executionStartOptions, type ExecutionStart } from './temporal/start-options';
import { threadSignalName } from './temporal/signals';
import { threadItemDelivery } from './temporal/thread-delivery';
import { blobhubExecution } from './temporal/workflows';
import { ComponentError } from './components/registry';
import { dataIdFor, inlineDataEntries, toDataEntries, type DataEntry } from './values';
import { addLogContext } from '../../core/log';
import { appendExecutionEvents, liveStatuses } from './finish';
import { admitAtCreation, queuedEvent } from './limits';

export type ExecutionRow = typeof executions.$inferSelect;
export type ExecutionTrigger = (typeof executionTriggers)[number];

/** What started an execution, from the surface its starter came through. */
const triggerOf = (actor: Actor): ExecutionTrigger => (actor.via === 'schedule' || actor.via === 'webhook' ? actor.via : 'manual');

export { liveStatuses };

export function toExecutionWire(app: App, e: ExecutionRow) {
  return {
    id: e.id,
    session_id: e.sessionId,
    revision_id: e.revisionId,
    definition_id: e.definitionId,
    alias: e.alias,
    definition_hash: e.definitionHash,
    status: e.status,
    input_data: e.inputData as DataEntry[],
    output_data: (e.outputData as DataEntry[] | null) ?? null,
    error: (e.error as Record<string, unknown> | null) ?? null,
    parent_execution_id: e.parentExecutionId,
    rerun_of: e.rerunOf,
    rerun_from: e.rerunFrom,
    trigger: e.trigger,
    trigger_id: e.triggerId,
    created_by: e.createdBy,
    created_by_key_id: e.createdByKeyId,
    created_at: e.createdAt.toISOString(),
    started_at: e.startedAt?.toISOString() ?? null,
    ended_at: e.endedAt?.toISOString() ?? null,
    temporal: {
      namespace: app.temporal.namespace,
      workflow_id: e.id,
      run_id: e.temporalRunId,
      ui_url: app.temporal.workflowUrl(e.id, e.temporalRunId ?? undefined),
    },
  };
}
export type ExecutionWire = ReturnType<typeof toExecutionWire>;

/** The id under which an execution's definition is pinned, so a later upload cannot change a run. */
export const definitionDataId = (executionId: string) => dataIdFor(executionId, 'definition');

export async function findDefinition(tx: Transaction | App['db'], revisionId: string, ref: { alias?: string; definitionId?: string }) {
  const where = ref.definitionId ? eq(definitions.id, ref.definitionId) : eq(definitions.alias, ref.alias ?? '');
  const [row] = await tx
    .select()
    .from(definitions)
    .where(and(eq(definitions.revisionId, revisionId), where));
  if (!row) throw notFound('definition');
  return row;
}

/** What an execution pins and runs: a definition row, or the pinned copy of the execution a rerun reruns. */
export type PinnedDefinition = Pick<typeof definitions.$inferSelect, 'id' | 'alias' | 'contentHash' | 'definition'>;

/** Writes the execution row and pins its definition; the caller starts the workflow. */
export async function insertExecution(
  app: App,
  tx: Transaction,
  args: {
    id?: string;
    revisionId: string;
    sessionId: string;
    definition: PinnedDefinition;
    inputData: { alias: string; value: ValueRef }[];
    createdBy: string | null;
    /** the API key the starter used */
    createdByKeyId?: string | null;
    trigger?: ExecutionTrigger;
    parentExecutionId?: string;
    /** runs in `tx` when this call created the row (not when a concurrent retry had), e.g. to audit it */
    onCreated?: (row: ExecutionRow) => Promise<void>;
    triggerId?: string;
    /** it waits `queued` for its blob's execution limits (limits.ts) instead of being admitted now */
    waiting?: boolean;
    rerun?: Rerun;
  },
): Promise<ExecutionRow> {
  const id = args.id ?? newId('execution');
  // inputs small enough to stay inline go in with the row: written once, not inserted then updated
  const inline = inlineDataEntries(app, args.inputData);
  const [row] = await tx
    .insert(executions)
    .values({
      id,
      sessionId: args.sessionId,
      revisionId: args.revisionId,
      definitionId: args.definition.id,
      alias: args.definition.alias,
      definitionHash: args.definition.contentHash,
      inputData: inline ?? [],
      createdBy: args.createdBy,
      createdByKeyId: args.createdByKeyId ?? null,
      trigger: args.trigger,
      parentExecutionId: args.parentExecutionId ?? null,
      triggerId: args.triggerId ?? null,
      ...(args.waiting ? { status: 'queued' as const, admittedAt: null } : { admittedAt: sql`now()` }),
      rerunOf: args.rerun?.of ?? null,
      rerunFrom: args.rerun?.from ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    // a retried child creation: the row is already there
    return tx.select().from(executions).where(eq(executions.id, id)).then(theRow);
  }
  await tx
    .insert(executionData)
    .values({ id: definitionDataId(id), executionId: id, value: args.definition.definition })
    .onConflictDoNothing();
  // large inputs are stored by reference, so that the row (and lists of rows) stays small
  const created = inline
    ? row
    : await tx
        .update(executions)
        .set({ inputData: await toDataEntries(app, id, 'input', args.inputData, tx) })
        .where(eq(executions.id, id))
        .returning()
        .then(theRow);
  await args.onCreated?.(created);
  return created;
}

/** What a rerun (rerun_execution) reruns: the execution, and the component it runs from. */
export interface Rerun {
  of: string;
  from: string;
}

export interface CreateExecutionArgs {
  /** who creates it (its write access on the blob is already checked) */
  caller: Caller;
  /** the same, as the audit log records it; its channel (`schedule`, `webhook`) names the execution's trigger */
  actor: Actor;
  blob: BlobRow;
  revision: RevisionRow;
  sessionId?: string;
  alias?: string;
  definitionId?: string;
  /** values, or (a rerun's, taken over from its original) references to stored ones */
  inputData?: InputData | { alias: string; value: ValueRef }[];
  /** set when a schedule fires the execution (kept in the Temporal memo) */
  scheduleId?: string;
  /** the execution ends `timed_out` after this many seconds */
  timeoutSeconds?: number;
  /** a caller-chosen `exe_…` id makes creation idempotent: a retry returns the same execution */
  executionId?: string;
  /** set when a webhook trigger starts the execution */
  triggerId?: string;
  /** a rerun: runs this pinned definition (the rerun execution's) rather than the revision's definition of that alias */
  pinned?: PinnedDefinition;
  rerun?: Rerun;
}

/**
 * Creates a session when none is given, writes the execution row and starts its Temporal workflow.
 * Access is checked once, before: by the data command's dispatch, or by a schedule fire for the
 * schedule's owner. Throws ApiError not_found / bad_request.
 */
export async function createExecution(
  app: App,
  args: CreateExecutionArgs,
  /** a rerun's walk so far: its workflow starts as a continuation of it (rerun.ts) */
  continuing?: (row: ExecutionRow) => Promise<CarriedState | undefined>,
): Promise<ExecutionWire> {
  const { row, start } = await prepareExecution(app, args);
  // started already, or ended (the reconciler failed a creation that died before its start): never started again
  if (row.temporalRunId || !liveStatuses.includes(row.status)) return toExecutionWire(app, row);
  return toExecutionWire(app, await startExecutionWorkflow(app, row, { ...start, carried: await continuing?.(row) }));
}

/**
 * createExecution without the Temporal start: the row (idempotent with a given `executionId`) and
 * how its workflow is to be started. A schedule fire starts it as its own child workflow.
 */
export async function prepareExecution(app: App, args: CreateExecutionArgs): Promise<{ row: ExecutionRow; start: ExecutionStart }> {
  const { blob, revision } = args;
  if (blob.type !== 'workflow') throw badRequest('executions run on workflow blobs only');
  if (!args.alias && !args.definitionId && !args.pinned) throw badRequest('give definition_id or alias');
  const createdBy = args.caller.kind === 'anonymous' ? null : args.caller.userId;
  const keyId = args.caller.kind === 'key' ? args.caller.keyId : null;
  const row = await insertRow(app, async (tx) => {
    if (args.executionId) {
      // concurrent creations of one id wait here for each other, so only the first writes anything (a session, the row)
      await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${args.executionId}, 0))`);
      const [existing] = await tx.select().from(executions).where(eq(executions.id, args.executionId));
      // an id is idempotent within its revision only: another revision's execution is never returned
      if (existing && existing.revisionId !== revision.id) throw conflict(`execution_id ${args.executionId} is already used`);
      if (existing) return existing;
    }
    const definition = args.pinned ?? (await findDefinition(tx, revision.id, args));
    // refused here (429) before anything is written, or admitted, or told to wait
    const admission = await admitAtCreation(tx, blob, definition.alias);
    const sessionId = args.sessionId ?? (await createSessionRow(tx, revision.id, createdBy)).id;
    if (args.sessionId) await requireSessionIn(tx, revision.id, args.sessionId);
    return insertExecution(app, tx, {
      id: args.executionId,
      revisionId: revision.id,
      sessionId,
      definition,
      inputData: args.inputData ?? [],
      createdBy,
      createdByKeyId: keyId,
      trigger: triggerOf(args.actor),
      waiting: admission.waiting !== undefined,
      onCreated: async (created) => {
        await recordAudit(tx, args.actor, {
          orgId: blob.orgId,
          action: args.rerun ? 'execution.rerun' : 'execution.start',
          target: { type: 'execution', id: created.id },
          changes: {
            blob_id: blob.id,
            revision_id: revision.id,
            session_id: sessionId,
            alias: definition.alias,
            trigger: created.trigger,
            ...(args.rerun && { rerun_of: args.rerun.of, rerun_from: args.rerun.from }),
          },
        });
        if (admission.waiting)
          await appendExecutionEvents(tx, executionArgsOf(created, { orgId: blob.orgId, blobId: blob.id }), [queuedEvent(admission.waiting)]);
      },
      triggerId: args.triggerId,
      rerun: args.rerun,
    });
  });
  addLogContext({ execution_id: row.id });
  const start = executionStartOf(row, { orgId: blob.orgId, blobId: blob.id, keyId, timeoutSeconds: args.timeoutSeconds, scheduleId: args.scheduleId });
  return { row, start };
}

const executionStartOf = (row: ExecutionRow, ids: Parameters<typeof executionArgsOf>[1] & { scheduleId?: string }): ExecutionStart => ({
  args: executionArgsOf(row, ids),
  memo: { definition_hash: row.definitionHash, created_by: row.createdBy, schedule_id: ids.scheduleId ?? null },
});

/** How a scheduled execution (its owner's, through the key that created the schedule if one did) is started, read back from its row; none when the row is gone (its session was deleted) or ended. */
export async function scheduledExecutionStart(
  app: App,
  executionId: string,
  by: { scheduleId: string; keyId: string | null },
): Promise<ExecutionStart | undefined> {
  const [found] = await app.db
    .select({ row: executions, blob: blobs })
    .from(executions)
    .innerJoin(revisions, eq(revisions.id, executions.revisionId))
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .where(eq(executions.id, executionId));
  // an ended row (the reconciler settled a fire that never started it) is not started again
  if (!found || !liveStatuses.includes(found.row.status)) return undefined;
  return executionStartOf(found.row, { orgId: found.blob.orgId, blobId: found.blob.id, ...by });
}

/** Runs the transaction that creates an execution; an input above the value limits is a 413. */
async function insertRow(app: App, write: (tx: Transaction) => Promise<ExecutionRow>): Promise<ExecutionRow> {
  try {
    return await app.db.transaction(write);
  } catch (e) {
    if (e instanceof ComponentError && e.kind === 'value_too_large') throw new ApiError('payload_too_large', e.message, { engineCode: 'value_too_large' });
    throw e;
  }
}

export const executionArgsOf = (row: ExecutionRow, ids: { orgId: string; blobId: string; keyId?: string | null; timeoutSeconds?: number }): ExecutionArgs => ({
  executionId: row.id,
  orgId: ids.orgId,
  blobId: ids.blobId,
  revisionId: row.revisionId,
  sessionId: row.sessionId,
  definitionId: row.definitionId,
  alias: row.alias,
  createdBy: row.createdBy,
  createdByKeyId: ids.keyId ?? null,
  timeoutSeconds: ids.timeoutSeconds,
  // only then: the arguments of every other execution stay as they were
  ...(row.admittedAt === null && { awaitsAdmission: true as const }),
});

async function startExecutionWorkflow(app: App, row: ExecutionRow, start: ExecutionStart) {
  let runId: string;
  try {
    runId = await startOrFindRun(app, row.id, () =>
      app.temporal.client.workflow.start(blobhubExecution, {
        taskQueue: app.temporal.taskQueue,
        ...executionStartOptions(start),
        // an execution id names one workflow ever: a repeated start (a retry, an idempotent duplicate) finds the first, even once it has closed
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        workflowIdConflictPolicy: 'FAIL',
      }),
    );
  } catch (e) {
    // The start may have failed, or only its answer may be lost: the row stays pending and the
    // reconciler settles it (records the run if the workflow exists, else fails it `not_started`),
    // while a retry with the same execution id starts it.
    throw new ApiError('unavailable', 'the workflow service is unavailable; try again', { cause: e });
  }
  // The workflow runs from here on. If the database fails now the caller gets a 503, and a retry
  // with the same execution_id finds this run (startOrFindRun) instead of starting another.
  return app.db.update(executions).set({ temporalRunId: runId }).where(eq(executions.id, row.id)).returning().then(theRow);
}

/** A retried creation finds the workflow its first attempt started (workflow id = execution id). */
async function startOrFindRun(app: App, executionId: string, start: () => Promise<{ firstExecutionRunId: string }>) {
  try {
    return (await start()).firstExecutionRunId;
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
    return (await app.temporal.client.workflow.getHandle(executionId).describe()).runId;
  }
}

export async function createSessionRow(
  tx: Transaction,
  revisionId: string,
  createdBy: string | null,
  fields: { name?: string; alias?: string; description?: string; metadata?: unknown } = {},
) {
  const [row] = await tx
    .insert(sessions)
    .values({
      id: newId('session'),
      revisionId,
      name: fields.name ?? null,
      alias: fields.alias ?? null,
      description: fields.description ?? null,
      metadata: fields.metadata ?? null,
      createdBy,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) throw new ApiError('bad_request', `a session with alias ${fields.alias} already exists in this revision`, { engineCode: 'alias_in_use' });
  return row;
}

/**
 * A session by id, or by alias as BlobHub's clients address it. An unknown alias is refused
 * with 403 as BlobHub does: its clients create the session on that answer.
 */
export async function requireSessionByRef(db: App['db'], revisionId: string, ref: string) {
  if (hasPrefix(ref, 'session')) return requireSessionIn(db, revisionId, ref);
  const [row] = await db
    .select()
    .from(sessions)
    .where(and(eq(sessions.alias, ref), eq(sessions.revisionId, revisionId)));
  if (!row) throw forbidden(`session ${ref} is absent or not accessible`);
  return row;
}

export async function requireSessionIn(tx: Transaction | App['db'], revisionId: string, sessionId: string) {
  const [row] = await tx
    .select()
    .from(sessions)
    .where(and(eq(sessions.id, sessionId), eq(sessions.revisionId, revisionId)));
  if (!row) throw notFound('session');
  return row;
}

/**
 * Wakes the executions of a session whose flow.wait listens on a thread: call after an item is
 * posted to the thread `alias` (by thread.post_item or by post_session_thread_item). The wait's
 * payload carries the item itself, so a flow reads the reply (a worker's answer, a person's) it waited for.
 * Only live executions whose pinned definition has a flow.wait on that thread need it; one delivery
 * workflow per item signals them all, so a post costs one start with 1 or 50 waiters, and a
 * retried post (same item) delivers nothing twice.
 */
export async function notifyThreadItemPosted(app: App, sessionId: string, alias: string, item: { id: string }) {
  const executionIds = await executionsWaitingOnThread(app, sessionId, alias);
  if (executionIds.length === 0) return;
  const signal = { name: threadSignalName(alias), payload: { alias, item_id: item.id, item } };
  try {
    await app.temporal.client.workflow.start(threadItemDelivery, {
      taskQueue: app.temporal.taskQueue,
      workflowId: `thread-item-${item.id}`,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ executionIds, signal }],
      staticSummary: `BlobHub thread item ${item.id} of ${alias} to ${executionIds.length} waiting execution(s)`,
      staticDetails: `**Session** ${sessionId}\n\n**Executions** ${executionIds.join(', ')}`,
    });
  } catch (e) {
    // this item's delivery is already under way or done
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}

/** The live executions of a session whose pinned definition has a flow.wait on the thread `alias`. */
async function executionsWaitingOnThread(app: App, sessionId: string, alias: string): Promise<string[]> {
  const live = await app.db
    .select({ id: executions.id })
    .from(executions)
    .where(and(eq(executions.sessionId, sessionId), inArray(executions.status, liveStatuses)));
  if (live.length === 0) return [];
  const waitsOnThread = { components: [{ type: 'flow.wait', config: { thread_alias: alias } }] };
  const pinned = await app.db
    .select({ executionId: executionData.executionId })
    .from(executionData)
    .where(
      and(
        inArray(
          executionData.id,
          live.map((e) => definitionDataId(e.id)),
        ),
        sql`${executionData.value} @> ${JSON.stringify(waitsOnThread)}::jsonb`,
      ),
    );
  return pinned.map((p) => p.executionId);
}
