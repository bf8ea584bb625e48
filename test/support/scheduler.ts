/** Fixtures shared by the scheduler tests: an org, a workflow blob with the docs/spec.md §4 fibonacci definition, a scheduler blob. */
import { expect } from 'vitest';
import { schedules } from '../../db/schema';
import type { ApiClient } from './client';
import { signInAdmin, type TestUser } from './people';
import { startTestPlatform, type TestPlatform } from './platform';
import { comp, data, definition, fibonacciDefinition, flow } from './workflow-builders';
import { deleteSchedules } from '../../engines/scheduler/store';

export const SCHEDULER = 'scheduler_blobhub';
export const WORKFLOW = 'workflow_blobhub';

/** A slow target: waits `seconds` on a durable timer, then returns its input `n` as `result`. */
export const delayedEchoDefinition = (seconds: number) =>
  definition(
    [comp('s', 'flow.start'), comp('w', 'flow.delay', { seconds }), comp('e', 'flow.end')],
    [flow('s', 'w'), flow('w', 'e'), data('s', 'n', 'e', 'result')],
  );

export interface SchedulerFixture {
  p: TestPlatform;
  admin: TestUser;
  orgId: string;
  scheduler: { blobId: string; revisionId: string };
  target: { blobId: string; revisionId: string };
  /** deletes every Temporal Schedule of the file, then stops the platform */
  close(): Promise<void>;
}

/** A platform with org `acme`, a scheduler blob `timers` and the workflow target `flows`. */
export async function startSchedulerFixture(delaySeconds?: number, platform?: Parameters<typeof startTestPlatform>[0]): Promise<SchedulerFixture> {
  const p = await startTestPlatform(platform);
  const admin = await signInAdmin(p);
  const orgId = (await admin.client.post('/orgs', { name: 'acme' })).body.org.id as string;
  const scheduler = await createBlob(admin.client, 'acme', 'timers', 'scheduler');
  const target = await createFibonacciTarget(admin.client, 'acme', 'flows', delaySeconds);
  return {
    p,
    admin,
    orgId,
    scheduler,
    target,
    async close() {
      // no Temporal Schedules outlive this file's task queue
      await deleteSchedules(
        p.app,
        (await p.app.db.select({ id: schedules.id }).from(schedules)).map((r) => r.id),
      );
      await p.close();
    },
  };
}

export async function createBlob(client: ApiClient, org: string, name: string, type: 'workflow' | 'scheduler') {
  const res = await client.post(`/orgs/${org}/blobs`, { name, type, visibility: 'private' });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { blobId: res.body.blob.id as string, revisionId: res.body.revision.id as string };
}

/** A workflow blob whose draft revision holds `fib` (docs/spec.md §4) and `slow` (an echo after a delay). */
export async function createFibonacciTarget(client: ApiClient, org: string, name = 'flows', delaySeconds = 4) {
  const target = await createBlob(client, org, name, 'workflow');
  for (const [alias, definition] of [
    ['fib', fibonacciDefinition()],
    ['slow', delayedEchoDefinition(delaySeconds)],
  ] as const) {
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
