/**
 * An execution's events as its workflow records them (each with a dedupe key, so a retried
 * activity or a replay records it once), and its end: written by the interpreter's workflow.finish
 * activity (temporal/activities.ts) and by the reconciler (reconcile.ts) alike.
 */
import { and, eq, inArray } from 'drizzle-orm';
import type { App } from '../../core/app';
import { recordEvent } from '../../core/events';
import type { Db } from '../../db/client';
import { executions } from '../../db/schema';
import { ComponentError } from './components/registry';
import { liveStatuses } from './executions';
import type { EventSpec, ExecutionArgs, ExecutionOutcome } from './plan';
import { entryRefs, toDataEntries } from './values';

export function recordExecutionEvent(db: Db, execution: ExecutionArgs, event: EventSpec) {
  return recordEvent(db, {
    type: event.type,
    orgId: execution.orgId,
    blobId: execution.blobId,
    revisionId: execution.revisionId,
    sessionId: execution.sessionId,
    executionId: execution.executionId,
    message: event.message,
    attributes: event.attributes,
    data: event.data,
    dedupeKey: `${execution.executionId}:${event.key}`,
  });
}

export async function recordExecutionEvents(db: Db, execution: ExecutionArgs, events: EventSpec[]) {
  for (const event of events) await recordExecutionEvent(db, execution, event);
}

/**
 * Records the closing events and the final row in one transaction: whoever sees either sees both.
 * Only a live row is finished, so the interpreter and the reconciler (engines/workflow/reconcile.ts)
 * never both close one execution. Returns the outcome as recorded (outputs as the row holds them:
 * small ones inline, the rest by reference).
 */
export async function finishExecution(app: App, execution: ExecutionArgs, outcome: ExecutionOutcome): Promise<ExecutionOutcome> {
  const [row] = await app.db.select({ id: executions.id }).from(executions).where(eq(executions.id, execution.executionId));
  if (!row) return outcome; // its session was deleted (which cancelled it): nothing left to record
  // laid out before the closing events, so a value_too_large shows up as the execution's error
  const outputData =
    outcome.status === 'succeeded' ? await toDataEntries(app, execution.executionId, 'output', outcome.outputData ?? []).catch(tooLarge) : null;
  if (outputData instanceof ComponentError)
    return finishExecution(app, execution, { status: 'failed', error: { message: outputData.message, kind: outputData.kind } });
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
    await recordExecutionEvents(tx, execution, [flowEvent, { type: 'execution_ended', key: 'execution_ended', attributes: { status: outcome.status } }]);
  });
  return outputData ? { ...outcome, outputData: entryRefs(outputData) } : outcome;
}

const tooLarge = (e: unknown) => {
  if (e instanceof ComponentError && e.kind === 'value_too_large') return e;
  throw e;
};
