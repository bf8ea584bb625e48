/** Fixtures shared by the scheduler tests: an org, a workflow blob with the SPEC §4 fibonacci definition, a scheduler blob. */
import { expect } from 'vitest';
import type { ApiClient } from '../../test/support/client';
import { delayedEchoDefinition, fibonacciDefinition } from './fibonacci-fixture';

export const SCHEDULER = 'scheduler_blobhub';
export const WORKFLOW = 'workflow_blobhub';

export async function createBlob(client: ApiClient, org: string, name: string, type: 'workflow' | 'scheduler') {
  const res = await client.post(`/orgs/${org}/blobs`, { name, type, visibility: 'private' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { blobId: res.body.blob.id as string, revisionId: res.body.revision.id as string };
}

/** A workflow blob whose draft revision holds `fib` (SPEC §4) and `slow` (an echo after a delay). */
export async function createFibonacciTarget(client: ApiClient, org: string, name = 'flows', delaySeconds = 4) {
  const target = await createBlob(client, org, name, 'workflow');
  for (const [alias, definition] of [['fib', fibonacciDefinition()], ['slow', delayedEchoDefinition(delaySeconds)]] as const) {
    const uploaded = await client.data(target.revisionId, WORKFLOW, 'upload_definition', { alias, definition });
    expect(uploaded.status, JSON.stringify(uploaded.body)).toBe(200);
  }
  return target;
}

export const targetOf = (orgId: string, target: { blobId: string; revisionId: string }, alias = 'fib', n = 10) => ({
  org_id: orgId,
  blob_id: target.blobId,
  revision_id: target.revisionId,
  workflow_alias: alias,
  input_data: [{ alias: 'n', value: { type: 'integer', integer: n } }],
});

/** Polls until `check` returns a value (fires happen asynchronously on the worker). */
export async function eventually<T>(check: () => Promise<T | undefined | null | false>, timeoutMs = 60_000, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
