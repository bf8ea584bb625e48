import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { createSession, emitSessionEvent, workflowRevision } from './fixtures';
import { RealtimeClient } from './realtime-client';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
});
afterAll(() => p?.close());

it('delivers every event of a session to 1,000 concurrent subscribers, in seq order', async () => {
  const rev = await workflowRevision(p);
  const session = await createSession(p, rev.revisionId);
  const key = { scope: 'revision', scope_id: rev.revisionId, target: 'session', target_id: session };
  const clients: RealtimeClient[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const connected = await Promise.all(Array.from({ length: 100 }, () => RealtimeClient.connect(p.url, { key: p.admin.auth.key })));
    const answers = await Promise.all(connected.map((c) => c.request('subscription/add', key)));
    expect(answers.every((a) => a.result && !a.error)).toBe(true);
    clients.push(...connected);
  }

  const writers = Array.from({ length: 3 }, async () => {
    for (let i = 0; i < 10; i++) await emitSessionEvent(p, rev, session);
  });
  await Promise.all(writers);
  const expected = Array.from({ length: 30 }, (_, i) => i + 1);
  for (const client of clients) {
    await client.waitForEvents(30);
    expect(client.events().map((e) => e.seq)).toEqual(expected);
  }
  await Promise.all(clients.map((c) => c.close()));
}, 120_000);
