/**
 * An execution's events as its workflow records them (each with a dedupe key, so a retried
 * activity or a replay records it once), and its end: written by the interpreter's workflow.finish
 * activity (temporal/activities.ts) and by the reconciler (reconcile.ts) alike.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { App } from '../../core/app';
import { appendSessionEvents, recordEvent, recordSessionEvents, type SessionEventInput } from '../../core/events';
import type { Db } from '../../db/client';
import { executions } from '../../db/schema';
import { ComponentError } from './components/registry';
import { liveStatuses } from './executions';
import type { EventSpec, ExecutionArgs, ExecutionOutcome } from './plan';
import { entryRefs, toDataEntries } from './values';

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
  await app.db.transaction(async (tx) => {
    const [finished] = await tx
      .update(executions)
      .set({ status: outcome.status, outputData, error: outcome.error ?? null, endedAt: new Date() })
      .where(and(eq(executions.id, execution.executionId), inArray(executions.status, liveStatuses)))
      .returning({ id: executions.id });
    if (!finished) return; // already finished by the other side
    await appendExecutionEvents(tx, execution, [
      ...before,
      flowEvent,
      { type: 'execution_ended', key: 'execution_ended', attributes: { status: outcome.status } },
    ]);
  });
  return outputData ? { ...outcome, outputData: entryRefs(outputData) } : outcome;
}

const tooLarge = (e: unknown) => {
  if (e instanceof ComponentError && e.kind === 'value_too_large') return e;
  throw e;
};
