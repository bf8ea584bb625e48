/**
 * Long executions: loops and sessions continue as new (a low history limit here) and complete with
 * every value, signal and event once; no workflow task grows past what Temporal accepts; values
 * too large for any store fail the execution the same in BlobHub and in Temporal.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import {
  comp,
  countingLoop,
  data,
  definition,
  ENGINE,
  flow,
  integer,
  newWorkflowBlob,
  start,
  startHitCounter,
  upload,
  waitForStatus,
} from '../../test/support/workflow';

/** a run continues as new at its next quiet point past this many history events */
const HISTORY_EVENTS = 150;
/** what one loop iteration may add to a history past the limit before its quiet point */
const ITERATION_SLACK = 20;

let p: TestPlatform;
let server: Awaited<ReturnType<typeof startHitCounter>>;
let baseUrl: string;

beforeAll(async () => {
  p = await startTestPlatform({
    env: { BLOBHUB_WORKFLOW_HISTORY_EVENTS: String(HISTORY_EVENTS), BLOBHUB_MAX_VALUE_BYTES: String(2 * 1024 * 1024) },
  });
  server = await startHitCounter();
  baseUrl = server.url;
}, 180_000);

afterAll(async () => {
  server?.close();
  await p?.close();
});

/** Every Temporal run of an execution, first to last, following its continue-as-new chain. */
async function runHistories(executionId: string, firstRunId: string) {
  const histories = [];
  for (let runId: string | null | undefined = firstRunId; runId;) {
    const history = await p.app.temporal.client.workflow.getHandle(executionId, runId).fetchHistory();
    histories.push(history.events ?? []);
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  return histories;
}

async function allEvents(rev: string, executionId: string) {
  const events: any[] = [];
  for (;;) {
    const page = await p.admin.data(rev, ENGINE, 'list_execution_events', { execution_id: executionId, limit: 1000, after: events.at(-1)?.seq ?? 0 });
    events.push(...page.body.events);
    if (page.body.events.length < 1000) return events;
  }
}

const count = (events: any[], type: string, processorId: string) => events.filter((e) => e.type === type && e.attributes?.processor_id === processorId).length;

async function runToEnd(rev: string, alias: string, timeoutMs = 120_000) {
  const created = await start(p.admin, rev, alias);
  return { created, done: await waitForStatus(p.admin, rev, created.id, undefined, timeoutMs) };
}

it('runs a 300-iteration loop as a chain of short Temporal runs, one execution with every event once', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'loops');
  await upload(p.admin, rev, 'loop', countingLoop(300));
  const { created, done } = await runToEnd(rev, 'loop');
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  expect(done.output_data).toEqual([{ alias: 'i', value: integer(300) }]);

  const histories = await runHistories(created.id, created.temporal.run_id);
  expect(histories.length).toBeGreaterThanOrEqual(3);
  for (const events of histories) expect(events.length).toBeLessThan(HISTORY_EVENTS + ITERATION_SLACK);
  expect(histories.at(-1)!.at(-1)!.workflowExecutionCompletedEventAttributes).toBeTruthy();
  // the execution names its latest run, and the client's handle follows the chain to the outcome
  expect(done.temporal.run_id).not.toBe(created.temporal.run_id);
  const latest = p.app.temporal.client.workflow.getHandle(created.id);
  expect((await latest.result()).status).toBe('succeeded');
  // every run keeps the execution's search attributes: the Temporal UI finds the whole chain
  const attributes = (await latest.describe()).typedSearchAttributes;
  expect(attributes.get(defineSearchAttributeKey('BlobHubDefinitionAlias', SearchAttributeType.KEYWORD))).toBe('loop');

  const events = await allEvents(rev, created.id);
  expect(count(events, 'processor.entered', 'count')).toBe(300);
  expect(count(events, 'processor.exited', 'count')).toBe(300);
  expect(count(events, 'processor.exited', 'b')).toBe(300);
  for (const type of ['execution_started', 'flow.entered', 'execution_ended']) expect(events.filter((e) => e.type === type)).toHaveLength(1);
}, 180_000);

it('keeps a chat session on flow.wait through continue-as-new: every message posted to the thread is handled once', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'chat');
  const messages = 60;
  await upload(
    p.admin,
    rev,
    'chat',
    definition(
      [
        comp('s', 'flow.start'),
        comp('w', 'flow.wait', { thread_alias: 'inbox' }),
        comp('read', 'logic.code', {
          code:
            "const seen = get_data_input('seen')?.json ?? []; const text = get_data_input('payload').json.item.content[0].text; seen.push(text);" +
            ` set_data_output('seen', create_value('json', seen)); set_result(seen.length < ${messages} ? 'more' : 'done');`,
        }),
        comp('e', 'flow.end'),
      ],
      [
        flow('s', 'w'),
        flow('w', 'read'),
        flow('read', 'w', 'more'),
        flow('read', 'e', 'done'),
        data('w', 'payload', 'read'),
        data('read', 'seen', 'read'),
        data('read', 'seen', 'e'),
      ],
    ),
  );
  const session = (await p.admin.data(rev, ENGINE, 'create_session', {})).body.session;
  const envelope = { type: 'thread', thread: { attributes: { name: 'inbox' }, metadata: {} } };
  expect((await p.admin.data(rev, ENGINE, 'upload_session_object', { session_id: session.id, alias: 'inbox', value: envelope })).status).toBe(200);
  const created = await start(p.admin, rev, 'chat', [], { session_id: session.id });

  const sent = Array.from({ length: messages }, (_, i) => `message ${i}`);
  for (const text of sent) {
    const posted = await p.admin.data(rev, ENGINE, 'post_session_thread_item', { session_id: session.id, alias: 'inbox', content: [{ type: 'text', text }] });
    expect(posted.status).toBe(200);
  }
  const done = await waitForStatus(p.admin, rev, created.id, undefined, 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  // each post reaches the execution through its own delivery workflow: all of them, once each, in any order
  const seen: string[] = done.output_data[0].value.json;
  expect([...seen].sort()).toEqual([...sent].sort());

  const histories = await runHistories(created.id, created.temporal.run_id);
  expect(histories.length).toBeGreaterThanOrEqual(2);
  const events = await allEvents(rev, created.id);
  expect(count(events, 'processor.exited', 'read')).toBe(messages);
}, 180_000);

it('runs a loop with one http.request per iteration across runs, each request sent once', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'polling');
  server.reset();
  await upload(p.admin, rev, 'poll', countingLoop(120, { head: { id: 'h', type: 'http.request', config: { method: 'GET', url: `${baseUrl}/poll` } } }));
  const { created, done } = await runToEnd(rev, 'poll');
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  expect(done.output_data).toEqual([{ alias: 'i', value: integer(120) }]);
  expect(server.hits()).toBe(120);
  const histories = await runHistories(created.id, created.temporal.run_id);
  expect(histories.length).toBeGreaterThanOrEqual(2);
  for (const events of histories) expect(events.length).toBeLessThan(HISTORY_EVENTS + ITERATION_SLACK);
}, 180_000);

it('completes a 200-iteration loop whose every iteration outputs 15 KB: no workflow task carries too many results at once', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'heavy');
  await upload(p.admin, rev, 'heavy', countingLoop(200, { extraCode: "set_data_output('page', create_value('text', String(i).padEnd(15000, '.')));" }));
  const { created, done } = await runToEnd(rev, 'heavy');
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  expect(done.output_data).toEqual([{ alias: 'i', value: integer(200) }]);
  const histories = await runHistories(created.id, created.temporal.run_id);
  const events = histories.flat();
  expect(events.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
  // past the task's budget a local-activity component ran as an ordinary activity, ending the task
  const localTypes = ['logic.code', 'flow.branch'];
  expect(events.some((e) => localTypes.includes(e.activityTaskScheduledEventAttributes?.activityType?.name ?? ''))).toBe(true);
}, 180_000);

it('fails an execution whose component outputs 2.1 MB, past the value limit: failed with value_too_large in BlobHub and in Temporal', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'big');
  const code = "set_data_output('big', create_value('text', 'x'.repeat(2100000)));";
  await upload(
    p.admin,
    rev,
    'big',
    definition([comp('s', 'flow.start'), comp('c', 'logic.code', { code }), comp('e', 'flow.end')], [flow('s', 'c'), flow('c', 'e'), data('c', 'big', 'e')]),
  );
  const { created, done } = await runToEnd(rev, 'big');
  expect(done.status).toBe('failed');
  expect(done.error.kind).toBe('value_too_large');
  const handle = p.app.temporal.client.workflow.getHandle(created.id);
  // BlobHub's row is written a moment before Temporal records the close
  await expect(handle.result()).rejects.toThrow();
  expect((await handle.describe()).status.name).toBe('FAILED');
});

it('carries 2.1 MB spread over 140 outputs of one component by reference: the execution completes', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'wide');
  const code = "for (let k = 0; k < 140; k++) set_data_output('p' + k, create_value('text', String(k).padEnd(15000, '.')));";
  await upload(
    p.admin,
    rev,
    'wide',
    definition([comp('s', 'flow.start'), comp('c', 'logic.code', { code }), comp('e', 'flow.end')], [flow('s', 'c'), flow('c', 'e'), data('c', 'p139', 'e')]),
  );
  const { created, done } = await runToEnd(rev, 'wide');
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  const stored = await p.admin.data(rev, ENGINE, 'get_execution_data', { execution_id: created.id, data_id: done.output_data[0].data_id });
  expect(stored.body.data.value.text).toBe('139'.padEnd(15000, '.'));
  const handle = p.app.temporal.client.workflow.getHandle(created.id);
  expect((await handle.describe()).status.name).toBe('COMPLETED');
  // Temporal's result is what BlobHub recorded: the large output by reference, not inline
  expect((await handle.result()).outputData).toEqual([{ alias: 'p139', value: { $ref: done.output_data[0].data_id } }]);
});

it('fails a component that sets a 5 MiB route with value_too_large instead of retrying workflow tasks forever', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'route');
  const code = "set_result('r'.repeat(5 << 20));";
  await upload(
    p.admin,
    rev,
    'route',
    definition([comp('s', 'flow.start'), comp('c', 'logic.code', { code }), comp('e', 'flow.end')], [flow('s', 'c'), flow('c', 'e')]),
  );
  const { created, done } = await runToEnd(rev, 'route');
  expect(done.status).toBe('failed');
  expect(done.error).toMatchObject({ kind: 'value_too_large', component_id: 'c' });
  const handle = p.app.temporal.client.workflow.getHandle(created.id);
  await expect(handle.result()).rejects.toThrow();
  expect((await handle.describe()).status.name).toBe('FAILED');
  expect((await handle.fetchHistory()).events?.filter((e) => e.workflowTaskFailedEventAttributes)).toEqual([]);
});

it('ends an endless loop at its timeout_seconds although the loop spans several runs', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'endless');
  await upload(p.admin, rev, 'endless', countingLoop(1_000_000_000));
  const created = await start(p.admin, rev, 'endless', [], { timeout_seconds: 25 });
  const done = await waitForStatus(p.admin, rev, created.id, undefined, 120_000);
  expect(done).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
  // each run is far shorter than 25 s: only a deadline carried from run to run ends the loop
  expect((await runHistories(created.id, created.temporal.run_id)).length).toBeGreaterThanOrEqual(2);
}, 180_000);
