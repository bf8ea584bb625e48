/**
 * Inputs from outside reach an execution validated and acknowledged (signal_execution is a Temporal
 * update), thread posts wake exactly the executions waiting on the thread, and the Temporal UI says
 * what each execution runs, who started it and which component each activity and timer belongs to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { notifyThreadItemPosted } from './executions';
import { comp, data, definition, ENGINE, flow, start, upload, waitForEvent, waitForStatus, newWorkflowBlob } from '../../test/support/workflow';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;

let p: TestPlatform;
let rev: string;
let blobId: string;
let server: http.Server;
let baseUrl: string;

beforeAll(async () => {
  p = await startTestPlatform();
  ({ revisionId: rev, blobId } = await newWorkflowBlob(p.admin, 'acme'));
  server = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server?.close();
  await p?.close();
});

const handleOf = (executionId: string) => p.app.temporal.client.workflow.getHandle(executionId);
const historyOf = async (executionId: string): Promise<HistoryEvent[]> => (await handleOf(executionId).fetchHistory()).events ?? [];
const signalled = (events: HistoryEvent[]) => events.filter((e) => e.workflowExecutionSignaledEventAttributes);
const updates = (events: HistoryEvent[]) =>
  events.filter(
    (e) =>
      e.workflowExecutionUpdateAdmittedEventAttributes || e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionUpdateCompletedEventAttributes,
  );
const summaryOf = (e: HistoryEvent) => (e.userMetadata?.summary ? defaultPayloadConverter.fromPayload<string>(e.userMetadata.summary) : undefined);

/** The history once the workflow is idle (no task pending, nothing new for a moment), so that a later length compares. */
async function settledHistory(executionId: string): Promise<HistoryEvent[]> {
  const deadline = Date.now() + 20_000;
  let previous = -1;
  for (;;) {
    const events = await historyOf(executionId);
    const lastTask = events.findLastIndex((e) => e.workflowTaskScheduledEventAttributes || e.workflowTaskCompletedEventAttributes);
    if (events.length === previous && events[lastTask]?.workflowTaskCompletedEventAttributes) return events;
    if (Date.now() > deadline) throw new Error(`the workflow of ${executionId} never went idle`);
    previous = events.length;
    await new Promise((r) => setTimeout(r, 300));
  }
}

const enteredWait = (executionId: string) =>
  waitForEvent(p.admin, rev, executionId, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'w');

describe('signal_execution is validated and acknowledged', () => {
  it('refuses a name no flow.wait of the execution waits for without touching its history, then delivers the right one', async () => {
    await upload(
      p.admin,
      rev,
      'approval',
      definition(
        [comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'approve', timeout_seconds: 120 }), comp('e', 'flow.end')],
        [flow('s', 'w'), flow('w', 'e'), data('w', 'payload', 'e', 'approval')],
      ),
    );
    const execution = await start(p.admin, rev, 'approval');
    await enteredWait(execution.id);
    const before = await settledHistory(execution.id);

    const typo = await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: execution.id, name: 'aprove', payload: { by: 'ann' } });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toBe('unknown_signal');
    expect(typo.body.details).toEqual({ waits_for: ['approve'] });
    expect(typo.body.message).toContain("'aprove'");
    expect(typo.body.message).toContain("'approve'");
    const after = await historyOf(execution.id);
    expect(after).toHaveLength(before.length);
    expect(updates(after).concat(signalled(after))).toEqual([]);

    const approve = await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: execution.id, name: 'approve', payload: { by: 'ann' } });
    expect(approve.status, JSON.stringify(approve.body)).toBe(200);
    const done = await waitForStatus(p.admin, rev, execution.id);
    expect(done.status).toBe('completed');
    expect(done.output_data).toEqual([{ alias: 'approval', value: { type: 'json', json: { by: 'ann' } } }]);

    const again = await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: execution.id, name: 'approve' });
    expect(again.status).toBe(409);
  });

  it('judges a signal sent right after creation, before the execution has loaded its plan', async () => {
    const [early, late] = [await start(p.admin, rev, 'approval'), await start(p.admin, rev, 'approval')];
    const typo = await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: early.id, name: 'aprove' });
    expect(typo.status).toBe(400);
    expect(typo.body.error).toBe('unknown_signal');
    expect((await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: late.id, name: 'approve', payload: 1 })).status).toBe(200);
    const done = await waitForStatus(p.admin, rev, late.id);
    expect(done.output_data).toEqual([{ alias: 'approval', value: { type: 'json', json: 1 } }]);
    expect((await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: early.id })).status).toBe(200);
  });
});

describe('thread posts', () => {
  it('wake every one of 20 executions waiting on the thread exactly once, and none waiting elsewhere', async () => {
    const session = (await p.admin.data(rev, ENGINE, 'create_session', {})).body.session;
    const envelope = { type: 'thread', thread: { attributes: { name: 'inbox' }, metadata: {} } };
    expect((await p.admin.data(rev, ENGINE, 'upload_session_object', { session_id: session.id, alias: 'inbox', value: envelope })).status).toBe(200);
    const waitingOn = (thread: string) =>
      definition(
        [comp('s', 'flow.start'), comp('w', 'flow.wait', { thread_alias: thread, timeout_seconds: 300 }), comp('e', 'flow.end')],
        [flow('s', 'w'), flow('w', 'e'), data('w', 'payload', 'e', 'posted')],
      );
    await upload(p.admin, rev, 'inbox-reader', waitingOn('inbox'));
    await upload(p.admin, rev, 'outbox-reader', waitingOn('outbox'));
    const readers = await Promise.all(Array.from({ length: 20 }, () => start(p.admin, rev, 'inbox-reader', [], { session_id: session.id })));
    const bystander = await start(p.admin, rev, 'outbox-reader', [], { session_id: session.id });

    const posted = await p.admin.data(rev, ENGINE, 'post_session_thread_item', {
      session_id: session.id,
      alias: 'inbox',
      content: [{ type: 'text', text: 'hello all' }],
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(200);
    const itemId = posted.body.item.id;
    // a retried post of the same item (thread.post_item's activity retried) wakes nobody twice
    await notifyThreadItemPosted(p.app, session.id, 'inbox', posted.body.item);

    for (const reader of readers) {
      const done = await waitForStatus(p.admin, rev, reader.id, undefined, 60_000);
      expect(done.status).toBe('completed');
      expect(done.output_data[0].value.json).toMatchObject({ alias: 'inbox', item_id: itemId });
      expect(signalled(await historyOf(reader.id))).toHaveLength(1);
    }
    expect(signalled(await historyOf(bystander.id))).toEqual([]);
    expect((await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: bystander.id })).status).toBe(200);
  });
});

describe('the Temporal UI', () => {
  it('shows what an execution runs and who started it, and names the activity and timer of each component', async () => {
    await upload(
      p.admin,
      rev,
      'ping',
      definition(
        [
          comp('s', 'flow.start'),
          comp('pause', 'flow.delay', { seconds: 0.1 }),
          comp('call', 'http.request', { url: `${baseUrl}/ping` }),
          comp('e', 'flow.end'),
        ],
        [flow('s', 'pause'), flow('pause', 'call'), flow('call', 'e')],
      ),
    );
    const execution = await start(p.admin, rev, 'ping');
    expect((await waitForStatus(p.admin, rev, execution.id)).status).toBe('completed');

    const described = await handleOf(execution.id).describe();
    // the test client calls with the admin's API key
    expect(await described.staticSummary()).toMatch(/^BlobHub execution of ping, started by API key key_\w+$/);
    const details = await described.staticDetails();
    for (const part of [blobId, rev, execution.session_id, execution.definition_id]) expect(details).toContain(part);

    const events = await historyOf(execution.id);
    const activity = events.find((e) => e.activityTaskScheduledEventAttributes);
    expect(summaryOf(activity!)).toBe('call (http.request)');
    const timer = events.find((e) => e.timerStartedEventAttributes);
    expect(summaryOf(timer!)).toBe('pause (flow.delay)');
  });

  it('names the parent execution that started a flow.subworkflow child', async () => {
    await upload(p.admin, rev, 'leaf', definition([comp('s', 'flow.start'), comp('e', 'flow.end')], [flow('s', 'e')]));
    await upload(
      p.admin,
      rev,
      'parent',
      definition([comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', { alias: 'leaf' }), comp('e', 'flow.end')], [flow('s', 'sub'), flow('sub', 'e')]),
    );
    const parent = await start(p.admin, rev, 'parent');
    expect((await waitForStatus(p.admin, rev, parent.id)).status).toBe('completed');
    const listed = await p.admin.data(rev, ENGINE, 'list_executions', { session_id: parent.session_id });
    const child = listed.body.executions.find((e: any) => e.parent_execution_id === parent.id);
    const described = await handleOf(child.id).describe();
    expect(await described.staticSummary()).toBe(`BlobHub execution of leaf, started by parent execution ${parent.id}`);
  });
});
