/**
 * One truth: however Temporal ends an execution (terminate, a timeout, a parent's close policy),
 * BlobHub's row and its closing events say so; cancel always stops; a creation that died before
 * its workflow started does not leave the row pending.
 */
import type { WorkflowStartOptions } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { errorCode } from '../../test/support/client';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { blobs, executions } from '../../db/schema';
import { executionArgsOf, findDefinition, insertExecution } from './executions';
import { neverStartedAfterMs, startExecutionReconciler } from './reconcile';
import { comp, definition, ENGINE, eventsOf, flow, newWorkflowBlob, start, upload, waitForEvent, waitForStatus } from '../../test/support/workflow';
import { theRow } from '../../core/errors';

const graceSeconds = 3;
let p: TestPlatform;
let rev: string;
let blobId: string;
let orgId: string;

const sleeper = definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 3600 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]);

beforeAll(async () => {
  p = await startTestPlatform({ env: { BLOBHUB_CANCEL_GRACE_SECONDS: String(graceSeconds) } });
  ({ revisionId: rev, blobId } = await newWorkflowBlob(p.admin, 'truth'));
  ({ orgId } = await p.app.db.select({ orgId: blobs.orgId }).from(blobs).where(eq(blobs.id, blobId)).then(theRow));
  await upload(p.admin, rev, 'sleeper', sleeper);
  await upload(
    p.admin,
    rev,
    'parent',
    definition([comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', { alias: 'sleeper' }), comp('e', 'flow.end')], [flow('s', 'sub'), flow('sub', 'e')]),
  );
}, 180_000);

afterAll(async () => {
  await p?.close();
});

const rowOf = (id: string) => p.app.db.select().from(executions).where(eq(executions.id, id)).then(theRow);

/** An execution row written as create_execution writes it, without starting its workflow. */
async function insertRow(alias: string) {
  const sessionId = (await p.admin.data(rev, ENGINE, 'create_session', {})).body.session.id;
  return p.app.db.transaction(async (tx) => {
    const def = await findDefinition(tx, rev, { alias });
    return insertExecution(p.app, tx, { revisionId: rev, sessionId, definition: def, inputData: [], createdBy: null });
  });
}

/** Starts a workflow for a row by hand, with Temporal options (or a workflow type) create_execution never uses. */
async function startByHand(alias: string, options: Pick<WorkflowStartOptions, 'workflowRunTimeout'> = {}, workflowType = 'blobhubExecution') {
  const row = await insertRow(alias);
  const handle = await p.app.temporal.client.workflow.start(workflowType, {
    taskQueue: p.taskQueue,
    workflowId: row.id,
    args: [executionArgsOf(row, { orgId, blobId })],
    ...options,
  });
  await p.app.db.update(executions).set({ temporalRunId: handle.firstExecutionRunId }).where(eq(executions.id, row.id));
  return row;
}

/** The closing events, each recorded once. */
async function closingEvents(id: string) {
  const types = (await eventsOf(p.admin, rev, id)).map((e) => e.type);
  return types.filter((t) => ['flow.error', 'flow.exited', 'execution_ended'].includes(t));
}

const childOf = async (parentId: string) => {
  for (let i = 0; i < 200; i++) {
    const [child] = await p.app.db.select().from(executions).where(eq(executions.parentExecutionId, parentId));
    if (child) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`execution ${parentId} never started its child`);
};

it('records an execution terminated on Temporal as failed with the reason, and answers 409 to signal and cancel', async () => {
  // a second API process's reconciler runs beside this platform's: still one outcome, each event once
  const stopSecondReconciler = startExecutionReconciler(p.app);
  const execution = await start(p.admin, rev, 'sleeper');
  await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
  await p.app.temporal.client.workflow.getHandle(execution.id).terminate('an operator pulled the plug');

  // at once, before or after the reconciler: never a 500, always the state it ended in
  const signal = await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: execution.id, name: 'go' });
  expect([signal.status, errorCode(signal)]).toEqual([409, 'conflict']);
  expect(signal.body.message).toContain('failed');
  const done = await waitForStatus(p.admin, rev, execution.id);
  expect(done).toMatchObject({ status: 'failed', error: { kind: 'terminated', message: 'terminated on Temporal: an operator pulled the plug' } });
  expect(await closingEvents(execution.id)).toEqual(['flow.error', 'execution_ended']);
  const cancel = await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: execution.id });
  expect([cancel.status, errorCode(cancel)]).toEqual([409, 'conflict']);
  expect(cancel.body.message).toContain('failed');
  await stopSecondReconciler();
});

it('records a workflow past its Temporal run timeout as timed out, and its flow.subworkflow child as terminated', async () => {
  const parent = await startByHand('parent', { workflowRunTimeout: '10s' });
  const child = await childOf(parent.id);
  const done = await waitForStatus(p.admin, rev, parent.id, undefined, 60_000);
  expect(done).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
  expect((await rowOf(parent.id)).status).toBe('timed_out');
  expect(await closingEvents(parent.id)).toEqual(['flow.error', 'execution_ended']);

  // Temporal terminates the child by the parent close policy: BlobHub says so too
  const childDone = await waitForStatus(p.admin, rev, child.id, undefined, 60_000);
  expect(childDone).toMatchObject({ status: 'failed', error: { kind: 'terminated' } });
  expect(await closingEvents(child.id)).toEqual(['flow.error', 'execution_ended']);
});

it('records the flow.subworkflow child of a terminated parent as terminated', async () => {
  const parent = await start(p.admin, rev, 'parent');
  const child = await childOf(parent.id);
  await waitForEvent(p.admin, rev, child.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
  await p.app.temporal.client.workflow.getHandle(parent.id).terminate('deploy rollback');
  expect(await waitForStatus(p.admin, rev, parent.id)).toMatchObject({
    status: 'failed',
    error: { kind: 'terminated', message: 'terminated on Temporal: deploy rollback' },
  });
  expect(await waitForStatus(p.admin, rev, child.id)).toMatchObject({ status: 'failed', error: { kind: 'terminated' } });
  expect(await closingEvents(child.id)).toEqual(['flow.error', 'execution_ended']);
});

it('stops an execution whose workflow task cannot complete: terminated after the cancel grace period', async () => {
  // a workflow type the deployed workers do not have (as after a deploy that removed it): every workflow task fails
  const stuck = await startByHand('sleeper', {}, 'blobhubExecutionRemovedByADeploy');
  const cancel = await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: stuck.id });
  expect(cancel.status).toBe(200);
  expect((await rowOf(stuck.id)).status).toBe('pending');

  const done = await waitForStatus(p.admin, rev, stuck.id, undefined, 60_000);
  expect(done).toMatchObject({ status: 'stopped', error: { kind: 'terminated' } });
  expect(done.error.message).toContain(`did not stop within ${graceSeconds} s`);
  expect((await p.app.temporal.client.workflow.getHandle(stuck.id).describe()).status.name).toBe('TERMINATED');
  expect(await closingEvents(stuck.id)).toEqual(['flow.exited', 'execution_ended']);
});

it('finishes a cancel from the row alone, as after the API process died right after recording it', async () => {
  const stuck = await startByHand('sleeper', {}, 'blobhubExecutionRemovedByADeploy');
  // recorded, but the process died before asking Temporal: any API process's reconciler carries it out
  await p.app.db.update(executions).set({ cancelRequestedAt: new Date() }).where(eq(executions.id, stuck.id));
  const done = await waitForStatus(p.admin, rev, stuck.id, undefined, 60_000);
  expect(done).toMatchObject({ status: 'stopped', error: { kind: 'terminated' } });
  expect(await closingEvents(stuck.id)).toEqual(['flow.exited', 'execution_ended']);
});

it('stops a workflow Temporal still runs for an execution BlobHub has ended: at cancel, and by the reconciler', async () => {
  // as a workflow task failing after workflow.finish recorded the outcome leaves it: the row ended, Temporal runs on
  const endInBlobHubOnly = async (id: string) => {
    await waitForEvent(p.admin, rev, id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
    const endedAt = new Date(Date.now() - 2 * graceSeconds * 1000);
    await p.app.db.update(executions).set({ status: 'succeeded', endedAt }).where(eq(executions.id, id));
  };
  const statusOnTemporal = async (id: string) => (await p.app.temporal.client.workflow.getHandle(id).describe()).status.name;

  const cancelled = await start(p.admin, rev, 'sleeper');
  await endInBlobHubOnly(cancelled.id);
  const cancel = await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: cancelled.id });
  expect([cancel.status, cancel.body.message]).toEqual([409, 'the execution already ended (succeeded)']);
  expect(await statusOnTemporal(cancelled.id)).toBe('TERMINATED');

  const forgotten = await start(p.admin, rev, 'sleeper');
  await endInBlobHubOnly(forgotten.id);
  await expect.poll(() => statusOnTemporal(forgotten.id), { timeout: 120_000, interval: 1000 }).toBe('TERMINATED');
  expect((await rowOf(forgotten.id)).status).toBe('succeeded');
}, 150_000);

it('fails a pending execution whose workflow was never started (its creation died in between)', async () => {
  const row = await insertRow('sleeper');
  // as left by an API process killed between the insert and the Temporal start, a while ago
  await p.app.db
    .update(executions)
    .set({ createdAt: new Date(Date.now() - 2 * neverStartedAfterMs) })
    .where(eq(executions.id, row.id));
  const done = await waitForStatus(p.admin, rev, row.id);
  expect(done).toMatchObject({ status: 'failed', error: { kind: 'not_started' } });
  expect(await closingEvents(row.id)).toEqual(['flow.error', 'execution_ended']);
  await expect(p.app.temporal.client.workflow.getHandle(row.id).describe()).rejects.toThrow();
});
