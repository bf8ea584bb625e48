/**
 * Scaled out: two API processes and two worker processes on one Temporal server and one
 * PostgreSQL. Many executions run while WebSocket subscribers on both APIs follow their sessions
 * (and their org's core events, written meanwhile through both APIs); one API and one worker are
 * SIGKILLed mid-run. Every execution still finishes, and every subscriber, reconnecting with
 * `since` to whichever API is up, ends with every event exactly once.
 */
import { and, asc, eq, isNull, notLike, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { comp, data, definition, ENGINE, flow, integer, newWorkflowBlob, upload, waitForStatus } from '../support/workflow';
import { events, executions } from '../../db/schema';
import { ApiClient } from '../support/client';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startApiProcess, startWorkerProcess, type BlobHubProcess } from '../support/processes';
import { RealtimeClient } from './realtime-client';
import { theRow } from '../../core/errors';
import { AUDIT_EVENT_PREFIX } from '../../core/audit';

const EXECUTIONS = 40;
const SESSIONS = 4;

/** database, Temporal and configuration; its own in-process API is not used by the test */
let p: TestPlatform;
let apis: BlobHubProcess[] = [];
let workers: BlobHubProcess[] = [];

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  const started = await Promise.all([startApiProcess(p.env), startApiProcess(p.env), startWorkerProcess(p.env), startWorkerProcess(p.env)]);
  apis = started.slice(0, 2);
  workers = started.slice(2);
}, 240_000);
afterAll(async () => {
  await Promise.all([...apis, ...workers].map((running) => running.stop()));
  await p?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A subscriber as a resilient client writes one: when its connection drops it reconnects, to the
 * other API if its own is gone, and resumes with `since` = the seq of the last event it received.
 */
class ResumingSubscriber {
  private received: { id: string; seq: number }[] = [];
  private current?: RealtimeClient;
  private stopped = false;
  reconnects = 0;

  constructor(
    private readonly urls: string[],
    private preferred: number,
    private readonly key: Record<string, unknown>,
  ) {}

  events() {
    return [...this.received, ...(this.current?.events() ?? [])];
  }

  async connect(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      const url = this.urls[(this.preferred + attempt) % this.urls.length]!;
      const connection = await RealtimeClient.connect(url, { key: p.admin.auth.key }).catch(() => undefined);
      if (connection) {
        const since = this.events().at(-1)?.seq ?? 0;
        const added = await Promise.race([connection.request('subscription/add', { ...this.key, since }), connection.closed.then(() => undefined)]);
        if (added?.result) {
          this.current = connection;
          this.preferred = this.urls.indexOf(url);
          void connection.closed.then(() => this.dropped(connection));
          return;
        }
        await connection.close();
      }
      await sleep(100);
    }
  }

  private dropped(connection: RealtimeClient) {
    if (this.stopped || this.current !== connection) return;
    this.received.push(...connection.events());
    this.current = undefined;
    this.reconnects++;
    void this.connect();
  }

  async close() {
    this.stopped = true;
    await this.current?.close();
  }
}

/**
 * start → n×2 → 1 s durable timer → +1 → end. A code run cut off with its worker is retried once
 * its timeout passes (which also counts the wait for a sandbox thread, long while 40 runs share one worker).
 */
function doubleThenIncrement() {
  const resilient = { timeout_ms: 15_000, retry: { maximum_attempts: 10, initial_interval_ms: 200 } };
  const code = (source: string) => ({ language: 'javascript', code: source });
  return definition(
    [
      comp('s', 'flow.start'),
      comp('double', 'logic.code', code("set_data_output('doubled', create_value('integer', get_data_input('n').integer * 2));"), resilient),
      comp('pause', 'flow.delay', { seconds: 1 }),
      comp('increment', 'logic.code', code("set_data_output('result', create_value('integer', get_data_input('doubled').integer + 1));"), resilient),
      comp('e', 'flow.end'),
    ],
    [
      flow('s', 'double'),
      flow('double', 'pause'),
      flow('pause', 'increment'),
      flow('increment', 'e'),
      data('s', 'n', 'double'),
      data('double', 'doubled', 'increment'),
      data('increment', 'result', 'e'),
    ],
  );
}

async function storedEvents(sessionId: string) {
  return p.app.db
    .select({ id: events.id, seq: events.seq, executionId: events.executionId, type: events.type, attributes: events.attributes })
    .from(events)
    .where(eq(events.sessionId, sessionId))
    .orderBy(asc(events.seq));
}

/** The org's change events (its audit entries' events go to its audit stream, not to organization subscribers). */
async function storedCoreEvents(orgId: string) {
  return p.app.db
    .select({ id: events.id })
    .from(events)
    .where(and(eq(events.orgId, orgId), isNull(events.sessionId), notLike(events.type, `${AUDIT_EVENT_PREFIX}%`)))
    .orderBy(asc(events.seq));
}

/** Waits until the follower has as many events as were stored (or a while), then compares them in order. */
async function expectEveryEventOnce(follower: ResumingSubscriber, stored: { id: string }[]) {
  const deadline = Date.now() + 60_000;
  while (follower.events().length < stored.length && Date.now() < deadline) await sleep(100);
  expect(follower.events().map((e) => e.id)).toEqual(stored.map((e) => e.id));
}

/** Blob changes through either API (the other one when a request fails) until stopped. */
function writeBlobChanges(clients: ApiClient[], blobId: string) {
  let writing = true;
  const done = (async () => {
    for (let n = 0; writing && n < 200; n++) {
      for (const client of [clients[n % 2]!, clients[(n + 1) % 2]!]) {
        const res = await client.patch(`/blobs/${blobId}`, { description: `change ${n}` }).catch(() => undefined);
        if (res?.status === 200) break;
      }
      await sleep(100);
    }
  })();
  return async () => {
    writing = false;
    await done;
  };
}

async function endedExecutions(revisionId: string): Promise<number> {
  const row = await p.app.db
    .select({ ended: sql<number>`count(*)::int` })
    .from(executions)
    .where(sql`${executions.revisionId} = ${revisionId} and ${executions.endedAt} is not null`)
    .then(theRow);
  return row.ended;
}

it(
  'finishes every execution and gives every subscriber every event exactly once after one API and one worker are SIGKILLed mid-run',
  { timeout: 300_000 },
  async () => {
    const clients = apis.map((api) => new ApiClient(api.url!, p.admin.auth));
    expect(clients).toHaveLength(2); // so clients[i % 2] is always one of them
    const { revisionId, blobId } = await newWorkflowBlob(clients[0]!, `scale-out-${Date.now().toString(36)}`);
    const orgId: string = (await clients[0]!.get(`/blobs/${blobId}`)).body.blob.org_id;
    await upload(clients[0]!, revisionId, 'main', doubleThenIncrement());
    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i++) sessions.push((await clients[i % 2]!.data(revisionId, ENGINE, 'create_session', { name: `s${i}` })).body.session.id);

    // two subscribers per session, one on each API
    const urls = apis.map((api) => api.url!);
    const subscribers = sessions.flatMap((session) =>
      [0, 1].map((api) => ({
        session,
        api,
        follower: new ResumingSubscriber(urls, api, { scope: 'revision', scope_id: revisionId, target: 'session', target_id: session }),
      })),
    );
    const orgFollowers = [0, 1].map((api) => new ResumingSubscriber(urls, api, { scope: 'core', target: 'organization', target_id: orgId }));
    await Promise.all([...subscribers.map((s) => s.follower), ...orgFollowers].map((follower) => follower.connect()));
    const stopWriting = writeBlobChanges(clients, blobId);

    const created = await Promise.all(
      Array.from({ length: EXECUTIONS }, async (_, i) => {
        const res = await clients[i % 2]!.data(revisionId, ENGINE, 'create_execution', {
          session_id: sessions[i % SESSIONS],
          alias: 'main',
          input_data: [{ alias: 'n', value: integer(i) }],
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return { id: res.body.execution.id as string, n: i };
      }),
    );

    while ((await endedExecutions(revisionId)) < 5) await sleep(50);
    await Promise.all([apis[0]!.kill(), workers[0]!.kill()]);
    const unfinishedAtKill = EXECUTIONS - (await endedExecutions(revisionId));
    expect(unfinishedAtKill).toBeGreaterThan(0);

    for (const execution of created) {
      const done = await waitForStatus(clients[1]!, revisionId, execution.id, undefined, 180_000);
      expect(done.status).toBe('completed');
      expect(done.output_data).toEqual([{ alias: 'result', value: integer(execution.n * 2 + 1) }]);
    }
    await stopWriting();

    for (const session of sessions) {
      const stored = await storedEvents(session);
      expect(stored.map((e) => e.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
      // each logical event recorded once, however often its activity or workflow task ran
      const logical = stored.map((e) => {
        const { processor_id, attempt } = (e.attributes ?? {}) as { processor_id?: string; attempt?: number };
        return `${e.executionId}:${e.type}:${processor_id ?? ''}:${attempt ?? ''}`;
      });
      expect(new Set(logical).size).toBe(logical.length);
      expect(stored.filter((e) => e.type === 'execution_ended')).toHaveLength(EXECUTIONS / SESSIONS);
      for (const { follower } of subscribers.filter((s) => s.session === session)) await expectEveryEventOnce(follower, stored);
    }
    const storedCore = await storedCoreEvents(orgId);
    expect(storedCore.length).toBeGreaterThan(10);
    for (const follower of orgFollowers) await expectEveryEventOnce(follower, storedCore);

    for (const { api, follower } of subscribers) if (api === 0) expect(follower.reconnects).toBeGreaterThan(0);
    expect(orgFollowers[0]?.reconnects).toBeGreaterThan(0);
    await Promise.all([...subscribers.map((s) => s.follower), ...orgFollowers].map((follower) => follower.close()));
  },
);
