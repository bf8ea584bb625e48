/** The TypeScript SDK from a test: typed commands, runs, live events across a dropped connection, uploads, errors. */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, expectTypeOf, it } from 'vitest';
import { BlobHub, BlobHubError, type BlobHubEvent, type CommandName, type CommandOutput, type CommandParams, type UploadProgress } from '../../sdk';
import { s3Env } from '../support/onnx-client';
import { writeBigModel } from '../support/onnx-models';
import { fibonacciDefinition } from '../support/workflow-builders';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startTcpProxy } from './tcp-proxy';

const MiB = 1024 * 1024;
let p: TestPlatform;
let hub: BlobHub;
let dir: string;
beforeAll(async () => {
  p = await startTestPlatform({ env: s3Env() });
  hub = BlobHub.connect({ env: { BLOBHUB_API_URL: `${p.url}/v1`, BLOBHUB_API_KEY: p.adminKey } });
  dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-sdk-'));
});
afterAll(async () => {
  await p?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function workflowRevision(org: string) {
  await hub.orgs.create({ name: org });
  const { revision } = await hub.blobs.create({ org_id: org, name: 'flows', type: 'workflow', visibility: 'private' });
  await hub.call((t) => t.workflow_blobhub.upload_definition.mutate({ revision_id: revision.id, alias: 'fib', definition: fibonacciDefinition() }));
  return revision.id;
}

it('signs in by key or token and maps refusals to BlobHubError codes', async () => {
  expect(await hub.whoami()).toMatchObject({ email: 'admin@example.com' });
  const login = await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'admin-password' });
  expect(await new BlobHub({ url: `${p.url}/v1`, token: login.body.access_token }).whoami()).toMatchObject({ email: 'admin@example.com' });

  await expect(new BlobHub({ url: `${p.url}/v1`, apiKey: 'bhk_wrong' }).whoami()).rejects.toMatchObject({ code: 'unauthenticated' });
  const missing = await hub.blobs.get('nobody/nothing').catch((e: unknown) => e);
  expect(missing).toBeInstanceOf(BlobHubError);
  expect(missing).toMatchObject({ code: 'not_found', status: 404 });
  await expect(hub.blobs.get('not a ref')).rejects.toMatchObject({ code: 'bad_request' });
});

it('runs a workflow and waits for its end', async () => {
  const revisionId = await workflowRevision('sdk-run');
  const execution = await hub.runWorkflow(revisionId, 'fib', { n: { type: 'integer', integer: 10 } });
  expect(execution).toMatchObject({ status: 'succeeded', output_data: [{ alias: 'result', value: { type: 'integer', integer: 55 } }] });
  // Waiting on an execution that already ended returns at once (its end is replayed).
  expect((await hub.waitForExecution(revisionId, execution.id)).ended_at).toBe(execution.ended_at);
});

it('streams session events across a dropped connection with no gap and no duplicate', async () => {
  const revisionId = await workflowRevision('sdk-events');
  const { session } = await hub.call((t) => t.workflow_blobhub.create_session.mutate({ revision_id: revisionId, name: 'watched' }));
  const proxy = await startTcpProxy(Number(new URL(p.url).port));
  const viaProxy = new BlobHub({ url: `${proxy.url}/v1`, apiKey: p.adminKey });
  const reconnects: number[] = [];
  const stream = viaProxy.events(
    { scope: 'revision', scope_id: revisionId, target: 'session', target_id: session.id },
    { onReconnect: (n) => reconnects.push(n) },
  );

  const received: BlobHubEvent[] = [];
  // Read by hand: a for-await loop that breaks would close the stream.
  const endsSeen = async (count: number) => {
    while (received.filter((e) => e.type === 'execution_ended').length < count) {
      const next = await stream.next();
      if (next.done) throw new Error('the stream ended');
      received.push(next.value);
    }
  };
  const first = endsSeen(1);
  await new Promise((r) => setTimeout(r, 300)); // the subscription is in place before anything happens
  await hub.runWorkflow(revisionId, 'fib', { n: { type: 'integer', integer: 5 } }, { sessionId: session.id });
  await first;

  expect(proxy.dropAll()).toBeGreaterThan(0);
  // While the stream is cut, a second execution runs in the session; its events are replayed on reconnect.
  await hub.runWorkflow(revisionId, 'fib', { n: { type: 'integer', integer: 6 } }, { sessionId: session.id });
  await endsSeen(2);
  await stream.return(undefined);
  await proxy.close();

  expect(reconnects.length).toBeGreaterThan(0);
  const stored = (await hub.call((t) => t.workflow_blobhub.list_executions.query({ revision_id: revisionId, session_id: session.id }))).executions;
  const storedEvents: BlobHubEvent[] = [];
  for (const execution of stored.reverse()) {
    const page = await hub.call((t) => t.workflow_blobhub.list_execution_events.query({ revision_id: revisionId, execution_id: execution.id, limit: 1000 }));
    storedEvents.push(...page.events);
  }
  expect(received.map((e) => e.seq)).toEqual(storedEvents.map((e) => e.seq));
});

it('uploads a model in parallel parts with progress, then describes it', { timeout: 120_000 }, async () => {
  await hub.orgs.create({ name: 'sdk-models' });
  const { revision } = await hub.blobs.create({ org_id: 'sdk-models', name: 'model', type: 'onnx', visibility: 'private' });
  const file = path.join(dir, 'big.onnx');
  const { size, sha256 } = await writeBigModel(file, 5 * MiB);
  const progress: UploadProgress[] = [];
  const uploaded = await hub.uploadOnnx(revision.id, file, { concurrency: 2, onProgress: (p) => progress.push(p) });
  expect(uploaded).toMatchObject({ parts: 2, operation: { status: 'succeeded' }, revision: { status: 'ready' } });
  const sent = progress.map((p) => p.sentBytes);
  expect(sent).toEqual([...sent].sort((a, b) => a - b));
  expect(progress.at(-1)).toEqual({ sentBytes: size, totalBytes: size, partsDone: 2, partsTotal: 2 });
  expect((await hub.describeOnnx(revision.id)).model).toMatchObject({ size, sha256, graph_name: 'big' });
});

it('types engine command parameters from the engines’ own schemas (checked by tsc)', () => {
  expectTypeOf<CommandParams<'workflow_blobhub', 'create_execution'>['alias']>().toEqualTypeOf<string | undefined>();
  expectTypeOf<CommandParams<'scheduler_blobhub', 'pause_schedule'>>().toHaveProperty('schedule_id');
  expectTypeOf<CommandParams<'onnx_blobhub', 'initiate_upload'>['size']>().toEqualTypeOf<number>();
  expectTypeOf({ alias: 1 }).not.toExtend<CommandParams<'workflow_blobhub', 'create_execution'>>();
  expectTypeOf<'create_execution'>().not.toExtend<CommandName<'scheduler_blobhub'>>();
});

it('types engine command results from what the commands return (checked by tsc)', () => {
  expectTypeOf<CommandOutput<'onnx_blobhub', 'initiate_upload'>['operation_id']>().toEqualTypeOf<string>();
  expectTypeOf<CommandOutput<'workflow_blobhub', 'get_execution'>['execution']['status']>().toEqualTypeOf<
    'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'timed_out'
  >();
  expectTypeOf<CommandOutput<'scheduler_blobhub', 'list_schedules'>>().toHaveProperty('schedules');
});

it('refuses a typed procedure as /v1/revisions/:id/data refuses the same command', async () => {
  const revisionId = await workflowRevision('sdk-refusals');
  const typed = await hub.call((t) => t.workflow_blobhub.get_execution.query({ revision_id: revisionId, execution_id: 'nope' })).catch((e: unknown) => e);
  const rest = await p.admin.post(`/revisions/${revisionId}/data`, { command: 'get_execution', execution_id: 'nope' });
  expect(rest.status).toBe(400);
  expect(typed).toMatchObject({ code: rest.body.error, message: rest.body.message, status: 400 });
  expect(rest.body.message).toBe('invalid parameters for get_execution');
});
