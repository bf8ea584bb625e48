/**
 * An execution's events as its workflow records them (each with a dedupe key, so a retried
 * activity or a replay records it once), and its end: written by the interpreter's workflow.finish
 * activity (temporal/activities.ts) and by the reconciler (reconcile.ts) alike.
 */
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { App } from '../../core/app';
import { appendSessionEvents, recordEvent, recordSessionEvents, type SessionEventInput } from '../../core/events';
import { logger } from '../../core/log';
import type { Db } from '../../db/client';
import { executions, revisions } from '../../db/schema';
import { ComponentError } from './components/registry';
import type { EventSpec, ExecutionArgs, ExecutionOutcome } from './plan';
import { admissionSignal } from './temporal/signals';
import { entryRefs, toDataEntries } from './values';

/**
 * Statuses of an execution that has not ended (`queued`: a component waits for a sandbox thread,
 * or the execution waits for its blob's execution limits).
 */
export const liveStatuses: (typeof executions.$inferSelect)['status'][] = ['pending', 'queued', 'running'];

/** The event as its session stores it: the execution's ids, and a dedupe key unique to the execution. */
function sessionEvent(execution: ExecutionArgs, event: EventSpec): SessionEventInput {
  return {
    type: event.type,
    orgId: execution.orgId,
    blobId: execution.blobId,
    revisionId: execution.revisionId,
    executionId: execution.executionId,
    message: event.message,
    attributes: event.attributes,
    data: event.data,
    dedupeKey: `${execution.executionId}:${event.key}`,
  };
}

export function recordExecutionEvent(db: Db, execution: ExecutionArgs, event: EventSpec) {
  return recordEvent(db, { ...sessionEvent(execution, event), sessionId: execution.sessionId });
}

/** Records the events in one transaction and one round trip per step (core/events.ts appendSessionEvents). */
export async function recordExecutionEvents(db: Db, execution: ExecutionArgs, events: EventSpec[]) {
  await recordSessionEvents(
    db,
    execution.sessionId,
    events.map((e) => sessionEvent(execution, e)),
  );
}

/** The same inside the caller's transaction. */
export async function appendExecutionEvents(tx: Db, execution: ExecutionArgs, events: EventSpec[]) {
  await appendSessionEvents(
    tx,
    execution.sessionId,
    events.map((e) => sessionEvent(execution, e)),
  );
}

/**
 * Records the closing events (after `before`: the events of the component that ended the
 * execution, when the interpreter left them to this) and the final row in one transaction:
 * whoever sees either sees both.
 * Only a live row is finished, so the interpreter and the reconciler (engines/workflow/reconcile.ts)
 * never both close one execution. Returns the outcome as recorded (outputs as the row holds them:
 * small ones inline, the rest by reference).
 */
export async function finishExecution(app: App, execution: ExecutionArgs, outcome: ExecutionOutcome, before: EventSpec[] = []): Promise<ExecutionOutcome> {
  const [row] = await app.db.select({ id: executions.id }).from(executions).where(eq(executions.id, execution.executionId));
  if (!row) return outcome; // its session was deleted (which cancelled it): nothing left to record
  // laid out before the closing events, so a value_too_large shows up as the execution's error
  const outputData =
    outcome.status === 'succeeded' ? await toDataEntries(app, execution.executionId, 'output', outcome.outputData ?? []).catch(tooLarge) : null;
  if (outputData instanceof ComponentError)
    return finishExecution(app, execution, { status: 'failed', error: { message: outputData.message, kind: outputData.kind } }, before);
  const flowEvent: EventSpec =
    outcome.status === 'failed' || outcome.status === 'timed_out'
      ? { type: 'flow.error', key: 'flow.error', message: outcome.error?.message, attributes: { ...outcome.error } }
      : { type: 'flow.exited', key: 'flow.exited', message: outcome.error?.message, attributes: { status: outcome.status } };
  const ended = await app.db.transaction(async (tx) => {
    const [finished] = await tx
      .update(executions)
      .set({ status: outcome.status, outputData, error: outcome.error ?? null, endedAt: new Date() })
      .where(and(eq(executions.id, execution.executionId), inArray(executions.status, liveStatuses)))
      .returning({ id: executions.id });
    if (!finished) return false; // already finished by the other side
    await appendExecutionEvents(tx, execution, [
      ...before,
      flowEvent,
      { type: 'execution_ended', key: 'execution_ended', attributes: { status: outcome.status } },
    ]);
    return true;
  });
  if (ended) await wakeWaiting(app, execution.blobId);
  return outputData ? { ...outcome, outputData: entryRefs(outputData) } : outcome;
}

/** How many of a blob's waiting executions one ending wakes: the first in line, and a few in case it has ended meanwhile. */
const WAKE_BATCH = 5;

/**
 * An execution ended (or the limits changed), which may free a slot of its blob's execution limits
 * (limits.ts): the first executions waiting for one are told to ask again. Only a hint: a lost signal costs the waiting
 * execution a few minutes, never its place.
 */
export async function wakeWaiting(app: App, blobId: string) {
  const waiting = await app.db
    .select({ id: executions.id })
    .from(executions)
    .innerJoin(revisions, eq(revisions.id, executions.revisionId))
    .where(and(eq(revisions.blobId, blobId), eq(executions.status, 'queued'), isNull(executions.admittedAt)))
    .orderBy(asc(executions.createdAt), asc(executions.id))
    .limit(WAKE_BATCH);
  for (const { id } of waiting) {
    await app.temporal.client.workflow
      .getHandle(id)
      .signal(admissionSignal)
      .catch((err: unknown) => logger.warn({ err, execution_id: id }, 'could not wake an execution waiting for its limits'));
  }
}

const tooLarge = (e: unknown) => {
  if (e instanceof ComponentError && e.kind === 'value_too_large') return e;
  throw e;
};
