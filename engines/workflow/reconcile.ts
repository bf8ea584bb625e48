/**
 * One truth between BlobHub's execution rows and Temporal. The interpreter workflow finishes its
 * own row (workflow.finish) when it ends by itself; everything else that ends a Temporal execution
 * (terminate, a Temporal timeout, a parent's close policy, a history or size limit) is noticed here
 * and written with the same closing events. The reconciler also terminates executions whose cancel
 * went unanswered past BLOBHUB_CANCEL_GRACE_SECONDS and fails rows whose workflow was never started;
 * each full pass also forgets idempotency keys past their retention window.
 * Every write goes through finishExecution, which only finishes a live row: two API processes
 * running this at once write each outcome once.
 */
import { WorkflowFailedError, WorkflowNotFoundError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure, TerminatedFailure, TimeoutFailure } from '@temporalio/common';
import { and, eq, inArray, isNotNull, isNull, lt, notInArray } from 'drizzle-orm';
import type { App } from '../../core/app';
import { sweepIdempotencyKeys } from '../../core/idempotency';
import { blobs, executions, revisions } from '../../db/schema';
import { executionArgsOf, liveStatuses, type ExecutionRow } from './executions';
import { finishExecution } from './finish';
import type { ExecutionOutcome } from './plan';
import { blobhubExecution } from './temporal/workflows';
import { logger } from '../../core/log';

/** How often the reconciler looks; outcomes reach the row within about this long. */
const reconcileEveryMs = 2_000;
/** A full pass over every live row (after a restart, or whatever the recent-closures pass missed) and every running workflow. */
const fullPassEveryMs = 60_000;
/** The recent-closures pass looks back this much before its previous pass: visibility may lag. */
const closeWindowOverlapMs = 15_000;
/** A pending row without a workflow this old was left by a creation that died before the start. */
export const neverStartedAfterMs = 2 * 60_000;
/** Workflow ids per visibility query of the full pass. */
const idsPerQuery = 100;

/** How the reconciler's own terminations (cancels past their grace period) start, so their close reads as a stop. */
const cancelTerminationReason = 'cancel_execution:';

/** What Temporal says of an execution's workflow. */
type TemporalState = { kind: 'running'; runId: string } | { kind: 'closed'; runId: string } | { kind: 'absent' };

async function temporalStateOf(app: App, executionId: string): Promise<TemporalState> {
  try {
    const description = await app.temporal.client.workflow.getHandle(executionId).describe();
    return { kind: description.status.name === 'RUNNING' ? 'running' : 'closed', runId: description.runId };
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return { kind: 'absent' };
    throw e;
  }
}

/** The outcome of a closed run, read from its close event (the result, or why it did not complete). */
async function outcomeOfClosedRun(app: App, executionId: string, runId: string): Promise<ExecutionOutcome> {
  try {
    return (await app.temporal.client.workflow.getHandle(executionId, runId, { followRuns: false }).result()) as ExecutionOutcome;
  } catch (e) {
    if (!(e instanceof WorkflowFailedError)) throw e;
    return outcomeOfFailure(e.cause);
  }
}

function outcomeOfFailure(cause: Error | undefined): ExecutionOutcome {
  if (cause instanceof TerminatedFailure) {
    // terminated by the reconciler after cancel_execution: the user asked for it to stop, and it stopped
    const afterCancel = cause.message.startsWith(cancelTerminationReason);
    return { status: afterCancel ? 'cancelled' : 'failed', error: { kind: 'terminated', message: `terminated on Temporal: ${cause.message}` } };
  }
  if (cause instanceof TimeoutFailure)
    return { status: 'timed_out', error: { kind: 'timeout', message: 'the workflow ran past its Temporal execution or run timeout' } };
  if (cause instanceof CancelledFailure) return { status: 'cancelled' };
  // the interpreter fails its workflow with the execution's own error as the failure's details
  const details = cause instanceof ApplicationFailure ? (cause.details?.[0] as ExecutionOutcome['error']) : undefined;
  const timedOut = cause instanceof ApplicationFailure && cause.type === 'ExecutionTimedOut';
  return { status: timedOut ? 'timed_out' : 'failed', error: details ?? { kind: 'internal', message: cause?.message ?? 'the workflow failed' } };
}

const neverStarted: ExecutionOutcome = {
  status: 'failed',
  error: { kind: 'not_started', message: 'the execution was never started on Temporal: its creation was interrupted; create it again' },
};

/** Writes an outcome with the interpreter's own closing events (same dedupe keys), if the row is still live. */
async function finishRow(app: App, row: ExecutionRow, outcome: ExecutionOutcome) {
  const [ids] = await app.db
    .select({ orgId: blobs.orgId, blobId: blobs.id })
    .from(revisions)
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .where(eq(revisions.id, row.revisionId));
  if (!ids) return; // its blob is being deleted with its rows
  await finishExecution(app, executionArgsOf(row, ids), outcome);
}

const isLive = (row: ExecutionRow) => liveStatuses.includes(row.status);
/** Not started yet: `pending`, or `queued` for its blob's execution limits. */
const notStartedStatuses: ExecutionRow['status'][] = ['pending', 'queued'];
const isOldPendingWithoutRun = (row: ExecutionRow) =>
  notStartedStatuses.includes(row.status) && !row.temporalRunId && Date.now() - row.createdAt.getTime() > neverStartedAfterMs;

/**
 * Brings one live row in line with Temporal and returns it as it now is: closed on Temporal →
 * finished with that outcome; no workflow and left by a dead creation → failed `not_started`.
 */
export async function reconcileExecution(app: App, row: ExecutionRow): Promise<ExecutionRow> {
  if (!isLive(row)) return row;
  const state = await temporalStateOf(app, row.id);
  if (state.kind === 'closed') await finishRow(app, row, await outcomeOfClosedRun(app, row.id, state.runId));
  else if (state.kind === 'running' && !row.temporalRunId) await recordRunId(app, row.id, state.runId);
  else if (state.kind === 'absent' && isOldPendingWithoutRun(row)) await finishRow(app, row, neverStarted);
  const [now] = await app.db.select().from(executions).where(eq(executions.id, row.id));
  return now ?? row;
}

/** A creation killed between the Temporal start and the row update left the run id out. */
async function recordRunId(app: App, executionId: string, runId: string) {
  await app.db
    .update(executions)
    .set({ temporalRunId: runId })
    .where(and(eq(executions.id, executionId), isNull(executions.temporalRunId)));
}

const quoted = (value: string) => `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;

/** Interpreter runs of this deployment's task queue matching `filter`: workflow id → run id. */
async function listRuns(app: App, filter: string): Promise<Map<string, string>> {
  const query = [`TaskQueue = ${quoted(app.temporal.taskQueue)}`, `WorkflowType = ${quoted(blobhubExecution.name)}`, filter].join(' AND ');
  const runs = new Map<string, string>();
  for await (const workflow of app.temporal.client.workflow.list({ query })) runs.set(workflow.workflowId, workflow.runId);
  return runs;
}

/** Closed runs matching `filter` (a run that continued as new has not ended). */
const listClosedRuns = (app: App, filter: string) => listRuns(app, `ExecutionStatus != 'Running' AND ExecutionStatus != 'ContinuedAsNew' AND ${filter}`);

/** Finishes the rows still live among closed runs (workflow id → run id). */
async function finishClosedRuns(app: App, runs: Map<string, string>) {
  if (runs.size === 0) return;
  const rows = await app.db
    .select()
    .from(executions)
    .where(and(inArray(executions.id, [...runs.keys()]), inArray(executions.status, liveStatuses)));
  await forEachRow(rows, async (row) => finishRow(app, row, await outcomeOfClosedRun(app, row.id, runs.get(row.id)!)));
}

/** One row that cannot be reconciled now (e.g. Temporal answers an error for it) does not hold up the others. */
async function forEachRow(rows: ExecutionRow[], reconcile: (row: ExecutionRow) => Promise<unknown>) {
  for (const row of rows) {
    await reconcile(row).catch((e) => logger.error({ err: e, execution_id: row.id }, 'workflow: reconcile of an execution failed'));
  }
}

/** Runs closed since `since`: the cheap pass of every tick. */
async function reconcileRecentClosures(app: App, since: Date) {
  await finishClosedRuns(app, await listClosedRuns(app, `CloseTime >= ${quoted(since.toISOString())}`));
}

/** Every live row asked about, a hundred per visibility query: after a restart, and now and then. */
async function reconcileAllLive(app: App) {
  const live = await app.db.select({ id: executions.id }).from(executions).where(inArray(executions.status, liveStatuses));
  for (let i = 0; i < live.length; i += idsPerQuery) {
    const ids = live.slice(i, i + idsPerQuery).map((r) => quoted(r.id));
    await finishClosedRuns(app, await listClosedRuns(app, `WorkflowId IN (${ids.join(', ')})`));
  }
}

/**
 * Stops a workflow Temporal still runs for an execution BlobHub has ended (e.g. its workflow task
 * fails after workflow.finish recorded the outcome, so Temporal would re-run it without end).
 */
export async function terminateStrayWorkflow(app: App, row: ExecutionRow) {
  try {
    await app.temporal.client.workflow.getHandle(row.id).terminate(`the execution already ended in BlobHub (${row.status})`);
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e; // closed: nothing runs
  }
}

/** Running workflows whose execution ended in BlobHub longer than the cancel grace period ago: terminated. */
async function terminateStrayWorkflows(app: App) {
  const running = [...(await listRuns(app, `ExecutionStatus = 'Running'`)).keys()];
  const endedBefore = new Date(Date.now() - app.config.BLOBHUB_CANCEL_GRACE_SECONDS * 1000);
  for (let i = 0; i < running.length; i += idsPerQuery) {
    const stray = await app.db
      .select()
      .from(executions)
      .where(and(inArray(executions.id, running.slice(i, i + idsPerQuery)), notInArray(executions.status, liveStatuses), lt(executions.endedAt, endedBefore)));
    await forEachRow(stray, (row) => terminateStrayWorkflow(app, row));
  }
}

/** Cancels unanswered past the grace period (the workflow task cannot complete, or the flow ignores it): terminated. */
async function terminateOverdueCancels(app: App) {
  const graceSeconds = app.config.BLOBHUB_CANCEL_GRACE_SECONDS;
  const overdue = await app.db
    .select()
    .from(executions)
    .where(
      and(
        inArray(executions.status, liveStatuses),
        isNotNull(executions.cancelRequestedAt),
        lt(executions.cancelRequestedAt, new Date(Date.now() - graceSeconds * 1000)),
      ),
    );
  await forEachRow(overdue, async (row) => {
    try {
      await app.temporal.client.workflow
        .getHandle(row.id)
        .terminate(`${cancelTerminationReason} the workflow did not stop within ${graceSeconds} s of the cancel request`);
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e; // closed meanwhile: its outcome is read below
    }
    await reconcileExecution(app, row);
  });
}

/** Pending (or limit-queued) rows whose creation died between the insert and the Temporal start. */
async function reconcileNeverStarted(app: App) {
  const stale = await app.db
    .select()
    .from(executions)
    .where(
      and(
        inArray(executions.status, notStartedStatuses),
        isNull(executions.temporalRunId),
        lt(executions.createdAt, new Date(Date.now() - neverStartedAfterMs)),
      ),
    );
  await forEachRow(stale, (row) => reconcileExecution(app, row));
}

/** Starts the reconciler loop (the workflow engine's background service); returns its stopper. */
export function startExecutionReconciler(app: App): () => Promise<void> {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let lastFullPass = 0;
  let lastPassStarted = 0;
  const pass = async () => {
    const startedAt = Date.now();
    if (startedAt - lastFullPass >= fullPassEveryMs) {
      await reconcileAllLive(app);
      await terminateStrayWorkflows(app);
      await sweepIdempotencyKeys(app);
      lastFullPass = startedAt;
    } else {
      await reconcileRecentClosures(app, new Date(lastPassStarted - closeWindowOverlapMs));
    }
    lastPassStarted = startedAt;
    await terminateOverdueCancels(app);
    await reconcileNeverStarted(app);
  };
  let running = Promise.resolve();
  const tick = () => {
    running = pass()
      .catch((e) => logger.error({ err: e }, 'workflow: reconcile failed'))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, reconcileEveryMs);
      });
  };
  tick();
  return async () => {
    stopped = true;
    clearTimeout(timer);
    await running;
  };
}
