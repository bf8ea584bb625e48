import { afterAll, beforeAll, expect, it } from 'vitest';
import { comp, definition, ENGINE, fibonacciDefinition, flow, integer, newWorkflowBlob, upload, waitForStatus } from '../support/workflow';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { RealtimeClient } from './realtime-client';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.close());

it('streams a real workflow execution live, matching its stored events', async () => {
  const { revisionId } = await newWorkflowBlob(p.admin, 'live');
  await upload(p.admin, revisionId, 'fib', fibonacciDefinition());
  const session = (await p.admin.data(revisionId, ENGINE, 'create_session', { name: 'watched' })).body.session;

  const client = await RealtimeClient.connect(p.url, { key: p.admin.auth.key });
  const sessionKey = { scope: 'revision', scope_id: revisionId, target: 'session', target_id: session.id };
  expect(await client.request('subscription/add', sessionKey)).toMatchObject({ result: {} });
  const lifecycle = await RealtimeClient.connect(p.url, { key: p.admin.auth.key });
  expect(await lifecycle.request('subscription/add', { ...sessionKey, types: ['execution_started', 'execution_ended'] })).toMatchObject({ result: {} });

  const created = await p.admin.data(revisionId, ENGINE, 'create_execution', {
    session_id: session.id,
    alias: 'fib',
    input_data: [{ alias: 'n', value: integer(10) }],
  });
  expect(created.status).toBe(200);
  const executionId = created.body.execution.id;
  // subscribing to the execution after it started loses nothing with since: 0
  expect(
    await client.request('subscription/add', { scope: 'revision', scope_id: revisionId, target: 'execution', target_id: executionId, since: 0 }),
  ).toMatchObject({ result: {} });

  await lifecycle.waitForEvents(2);
  expect(lifecycle.events().map((e) => [e.type, e.execution_id])).toEqual([
    ['execution_started', executionId],
    ['execution_ended', executionId],
  ]);
  const finished = (await p.admin.data(revisionId, ENGINE, 'get_execution', { execution_id: executionId })).body.execution;
  // REST answers in BlobHub's words (completed); events keep the SPEC's (succeeded)
  expect(finished.status).toBe('completed');
  expect(lifecycle.events()[1].attributes).toMatchObject({ status: 'succeeded' });

  const stored = (await p.admin.data(revisionId, ENGINE, 'list_execution_events', { execution_id: executionId, limit: 1000 })).body.events;
  await client.waitForEvents(stored.length, session.id);
  await client.waitForEvents(stored.length, executionId);
  // REST answers event times as ISO strings (the published clients' dialect), the WebSocket as milliseconds.
  const asStored = (e: { created_at: number }) => ({ ...e, created_at: new Date(e.created_at).toISOString() });
  expect(client.events(session.id).map(asStored)).toEqual(stored.map((e: object) => expect.objectContaining(e)));
  expect(client.events(executionId).map((e) => e.id)).toEqual(stored.map((e: { id: string }) => e.id));
  expect(stored.map((e: { type: string }) => e.type)).toEqual(
    expect.arrayContaining(['execution_started', 'flow.entered', 'processor.entered', 'execution_ended']),
  );
  await Promise.all([client.close(), lifecycle.close()]);
});

it('delivers events too large for a PostgreSQL notification whole and in order among the others', async () => {
  const { revisionId } = await newWorkflowBlob(p.admin, 'large-events');
  // three log lines recorded in one batch with the component's other events: small, 12 KB (4,000 three-byte characters), small
  const code = "console.log('before'); console.log('€'.repeat(4000)); console.log('after');";
  await upload(
    p.admin,
    revisionId,
    'logs',
    definition([comp('s', 'flow.start'), comp('c', 'logic.code', { code }), comp('e', 'flow.end')], [flow('s', 'c'), flow('c', 'e')]),
  );
  const session = (await p.admin.data(revisionId, ENGINE, 'create_session', { name: 'large' })).body.session;
  const client = await RealtimeClient.connect(p.url, { key: p.admin.auth.key });
  expect(await client.request('subscription/add', { scope: 'revision', scope_id: revisionId, target: 'session', target_id: session.id })).toMatchObject({
    result: {},
  });
  const created = await p.admin.data(revisionId, ENGINE, 'create_execution', { session_id: session.id, alias: 'logs' });
  expect(created.status).toBe(200);
  expect((await waitForStatus(p.admin, revisionId, created.body.execution.id)).status).toBe('completed');
  const stored = (await p.admin.data(revisionId, ENGINE, 'list_execution_events', { execution_id: created.body.execution.id, limit: 1000 })).body.events as {
    id: string;
    type: string;
    message?: string;
  }[];
  await client.waitForEvents(stored.length, session.id);
  const live = client.events(session.id);
  expect(live.map((e) => [e.id, e.message])).toEqual(stored.map((e) => [e.id, e.message]));
  const logs = live.filter((e) => e.type === 'processor.output').map((e) => e.message as string);
  expect(logs).toEqual(['before', '€'.repeat(4000), 'after']);
  await client.close();
});
