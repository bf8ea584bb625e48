/** Helpers for the workflow engine tests: fixtures, execution polling over REST, a local HTTP server that counts requests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'vitest';
import type { ApiClient } from './client';

export const ENGINE = 'workflow_blobhub';

export { comp, countingLoop, data, definition, fibonacciDefinition, flow } from './workflow-builders';

export const integer = (n: number) => ({ type: 'integer', integer: n });
export const text = (t: string) => ({ type: 'text', text: t });

/** A new org + workflow blob; returns its draft revision id. */
export async function newWorkflowBlob(client: ApiClient, org: string, name = 'flows') {
  await client.post('/orgs', { name: org });
  const created = await client.post(`/orgs/${org}/blobs`, { name, type: 'workflow', visibility: 'private' });
  expect(created.status).toBe(200);
  return { blobId: created.body.blob.id as string, revisionId: created.body.revision.id as string };
}

export async function upload(client: ApiClient, revisionId: string, alias: string, def: unknown) {
  const res = await client.data(revisionId, ENGINE, 'upload_definition', { alias, definition: def });
  expect(res.body).toHaveProperty('definition');
  return res.body.definition;
}

export async function start(client: ApiClient, revisionId: string, alias: string, inputData: unknown[] = [], extra: Record<string, unknown> = {}) {
  const res = await client.data(revisionId, ENGINE, 'create_execution', { alias, input_data: inputData, ...extra });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.execution;
}

const endedStatuses = ['completed', 'failed', 'stopped'];

export async function waitForStatus(client: ApiClient, revisionId: string, executionId: string, statuses = endedStatuses, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await client.data(revisionId, ENGINE, 'get_execution', { execution_id: executionId });
    if (statuses.includes(res.body.execution?.status)) return res.body.execution;
    if (Date.now() > deadline) throw new Error(`execution ${executionId} still ${res.body.execution?.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function run(client: ApiClient, revisionId: string, alias: string, inputData: unknown[] = []) {
  const execution = await start(client, revisionId, alias, inputData);
  return waitForStatus(client, revisionId, execution.id);
}

export async function eventsOf(client: ApiClient, revisionId: string, executionId: string) {
  const res = await client.data(revisionId, ENGINE, 'list_execution_events', { execution_id: executionId, limit: 1000 });
  expect(res.status).toBe(200);
  return res.body.events as { id: string; seq: number; type: string; message?: string; attributes?: any; data?: any }[];
}

/** Waits until an event of a type is recorded (e.g. a flow.wait has been entered). */
export async function waitForEvent(client: ApiClient, revisionId: string, executionId: string, match: (e: any) => boolean) {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if ((await eventsOf(client, revisionId, executionId)).some(match)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('event never arrived');
}

/** A local HTTP server for http.request tests: answers `{hits}` (requests so far) as JSON; `reset()` counts anew. */
export async function startHitCounter() {
  let hits = 0;
  const server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hits }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits: () => hits,
    reset: () => void (hits = 0),
    close: () => server.close(),
  };
}
