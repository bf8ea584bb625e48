/**
 * Events across executions: flow.wait_for_event waits for an event by key, emit_event and
 * flow.emit_event emit one. A wait registers its visit in workflow_event_waiters (org, key) before
 * it waits; an emit looks up the visits waiting on its key in its own org and starts one delivery
 * workflow that signals each of them (temporal/event-delivery.ts). An event reaches the waits that
 * are waiting when it is emitted; none is kept for a wait that starts later.
 */
import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { and, eq, inArray } from 'drizzle-orm';
import type { App } from '../../core/app';
import { newId } from '../../core/ids';
import { eventWaiters, executions } from '../../db/schema';
import { liveStatuses } from './executions';
import type { ExecutionArgs } from './plan';
import { eventDelivery } from './temporal/event-delivery';
import { eventSignalName, type DeliveredEvent } from './temporal/signals';

/** An event's payload travels in a signal into the history of every execution it wakes: kept well under Temporal's limits. */
export const MAX_EVENT_PAYLOAD_BYTES = 256 * 1024;

export async function registerEventWaiter(app: App, execution: ExecutionArgs, visit: string, key: string): Promise<void> {
  await app.db.insert(eventWaiters).values({ executionId: execution.executionId, visit, orgId: execution.orgId, key }).onConflictDoNothing();
}

export async function removeEventWaiter(app: App, execution: ExecutionArgs, visit: string): Promise<void> {
  await app.db.delete(eventWaiters).where(and(eq(eventWaiters.executionId, execution.executionId), eq(eventWaiters.visit, visit)));
}

/** An event id that is the same for every retry of one emit (an idempotency key, a component visit), in the org. */
export const stableEventId = (orgId: string, ...parts: string[]) =>
  `evt_${createHash('sha256')
    .update([orgId, ...parts].join('\u0000'))
    .digest('hex')
    .slice(0, 26)}`;

export const newEventId = () => newId('event');

export type EmittedEvent = {
  event_id: string;
  /** the waits the event was delivered to */
  waiters: number;
};

/**
 * Wakes every flow.wait_for_event of the org waiting on `key` with the event. A retried emit (the
 * same `eventId`) delivers nothing twice. Waiter rows of executions that ended without their wait
 * ending (cancelled, failed elsewhere) are removed on the way.
 */
export async function emitEvent(app: App, orgId: string, key: string, payload: unknown, eventId: string): Promise<EmittedEvent> {
  const rows = await app.db
    .select({ executionId: eventWaiters.executionId, visit: eventWaiters.visit, status: executions.status })
    .from(eventWaiters)
    .innerJoin(executions, eq(executions.id, eventWaiters.executionId))
    .where(and(eq(eventWaiters.orgId, orgId), eq(eventWaiters.key, key)));
  const waiting = rows.filter((r) => liveStatuses.includes(r.status));
  const ended = rows.filter((r) => !liveStatuses.includes(r.status)).map((r) => r.executionId);
  if (ended.length) await app.db.delete(eventWaiters).where(and(eq(eventWaiters.key, key), inArray(eventWaiters.executionId, ended)));
  if (waiting.length === 0) return { event_id: eventId, waiters: 0 };
  const event: DeliveredEvent = { event_id: eventId, key, payload };
  try {
    await app.temporal.client.workflow.start(eventDelivery, {
      taskQueue: app.temporal.taskQueue,
      workflowId: `event-${eventId}`,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      args: [{ deliveries: waiting.map((w) => ({ executionId: w.executionId, signal: { name: eventSignalName(w.visit), payload: event } })) }],
      staticSummary: `BlobHub event ${key} to ${waiting.length} waiting execution(s)`,
      staticDetails: `**Event** ${eventId}\n\n**Executions** ${waiting.map((w) => w.executionId).join(', ')}`,
    });
  } catch (e) {
    // this event's delivery is already under way or done
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
  return { event_id: eventId, waiters: waiting.length };
}
