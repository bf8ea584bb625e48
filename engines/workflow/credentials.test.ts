/**
 * Issue 16, attack 1: a workflow author tries to get a credential's plaintext back through an
 * `http.request` to a server that echoes the request. Through REST on the real server, with the
 * Temporal history read back with the Temporal client.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { newUser, signInAdmin, type TestUser } from '../../test/support/people';
import type { ApiClient } from '../../test/support/client';
import { SCHEDULER, eventually, targetOf } from '../../test/support/scheduler';
import { comp, data, definition, ENGINE, eventsOf, flow, start, upload, waitForStatus } from '../../test/support/workflow';

const ORG_SECRET = 'org-secret-7f3a9c1e5b';
const PERSONAL_SECRET = 'personal-secret-2d8e4b6a';
const SECRETS = [ORG_SECRET, PERSONAL_SECRET];

let p: TestPlatform;
let owner: TestUser;
let writer: TestUser;
let blobOnly: TestUser;
let rev: string;
let blobId: string;
let echo: http.Server;
let echoHost: string;
/** the Authorization headers the echo server received, by path */
const received: { path: string; authorization?: string }[] = [];

/** Echoes every request header back, in the JSON body and as response headers. */
function startEcho() {
  echo = http.createServer((req, res) => {
    received.push({ path: req.url ?? '/', authorization: req.headers.authorization });
    if (req.url === '/redirect') return void res.writeHead(302, { location: `http://localhost:${(echo.address() as AddressInfo).port}/landed` }).end();
    const echoed = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [`x-echo-${k}`, String(v)]));
    res.writeHead(req.url === '/fail' ? 500 : 200, { 'content-type': 'application/json', ...echoed });
    res.end(JSON.stringify({ path: req.url, headers: req.headers }));
  });
  return new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
}

beforeAll(async () => {
  await startEcho();
  echoHost = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
  p = await startTestPlatform();
  const admin = await signInAdmin(p);
  owner = await newUser(p, admin, 'owner');
  writer = await newUser(p, admin, 'writer');
  blobOnly = await newUser(p, admin, 'blob-writer');
  const orgId = (await owner.client.post('/orgs', { name: 'acme' })).body.org.id;
  const created = await owner.client.post('/orgs/acme/blobs', { name: 'flows', type: 'workflow', visibility: 'private' });
  ({ id: blobId } = created.body.blob);
  rev = created.body.revision.id;
  await owner.client.post(`/orgs/${orgId}/members`, { user_id: writer.id, role: 'write' });
  await owner.client.post(`/blobs/${blobId}/members`, { user_id: blobOnly.id, role: 'write' });
  const tok = await owner.client.post(`/orgs/${orgId}/credentials`, { alias: 'tok', type: 'bearer', body: { token: ORG_SECRET }, allowed_hosts: [echoHost] });
  expect(tok.status, JSON.stringify(tok.body)).toBe(200);
  const mine = await writer.client.post('/users/me/credentials', {
    alias: 'mine',
    type: 'basic',
    body: { username: 'writer', password: PERSONAL_SECRET },
    allowed_hosts: [echoHost],
  });
  expect(mine.status, JSON.stringify(mine.body)).toBe(200);
});
afterAll(async () => {
  echo?.close();
  await p?.close();
});

/** start → http.request (with a credential) → end, the whole response as output `response` */
async function uploadCall(alias: string, url: string, credential: string) {
  await upload(
    p.admin,
    rev,
    alias,
    definition(
      [comp('s', 'flow.start'), comp('h', 'http.request', { url, credential }), comp('e', 'flow.end')],
      [flow('s', 'h'), flow('h', 'e'), data('h', 'response', 'e')],
    ),
  );
}

async function runAs(client: ApiClient, alias: string) {
  const execution = await start(client, rev, alias);
  return waitForStatus(client, rev, execution.id);
}

/** Everything a user or an operator can read back about an execution, as text and raw bytes. */
async function everythingRecorded(executionId: string): Promise<{ text: string; history: Buffer }> {
  const got = await p.admin.data(rev, ENGINE, 'get_execution', { execution_id: executionId });
  const listed = await p.admin.data(rev, ENGINE, 'list_executions', { limit: 100 });
  const events = await eventsOf(p.admin, rev, executionId);
  const history = await p.app.temporal.client.workflow.getHandle(executionId).fetchHistory();
  return {
    text: JSON.stringify([got.body, listed.body, events]),
    history: Buffer.from(temporal.api.history.v1.History.encode(history).finish()),
  };
}

function expectNoSecret(recorded: { text: string; history: Buffer }) {
  for (const secret of SECRETS) {
    for (const form of [secret, Buffer.from(secret).toString('base64'), Buffer.from(`writer:${secret}`).toString('base64')]) {
      expect(recorded.text).not.toContain(form);
      expect(recorded.history.includes(Buffer.from(form))).toBe(false);
    }
  }
}

describe('a credential sent to a server that echoes it back', () => {
  it('reaches the allowed host, but appears nowhere in outputs, lists, events or Temporal history', async () => {
    await uploadCall('echo-org', `http://${echoHost}/echo`, 'tok');
    const execution = await runAs(writer.client, 'echo-org');
    expect(execution.status, JSON.stringify(execution.error)).toBe('completed');
    expect(received.at(-1)).toEqual({ path: '/echo', authorization: `Bearer ${ORG_SECRET}` });
    const response = execution.output_data[0].value.json;
    expect(response.body.headers.authorization).toBe('[redacted]');
    expect(response.headers['x-echo-authorization']).toBe('[redacted]');
    expectNoSecret(await everythingRecorded(execution.id));
  });

  it('keeps a personal credential to its owner, redacted the same way', async () => {
    await uploadCall('echo-mine', `http://${echoHost}/mine`, 'mine');
    const own = await runAs(writer.client, 'echo-mine');
    expect(own.status, JSON.stringify(own.error)).toBe('completed');
    expect(received.at(-1)?.authorization).toBe(`Basic ${Buffer.from(`writer:${PERSONAL_SECRET}`).toString('base64')}`);
    expect(own.output_data[0].value.json.body.headers.authorization).toBe('[redacted]');
    expectNoSecret(await everythingRecorded(own.id));

    const before = received.length;
    const other = await runAs(owner.client, 'echo-mine');
    expect(other).toMatchObject({ status: 'failed', error: { kind: 'credential_not_found' } });
    expect(received.length).toBe(before);
  });

  it('redacts the credential from the error of a failed call', async () => {
    await upload(
      p.admin,
      rev,
      'echo-fail',
      definition(
        [
          comp('s', 'flow.start'),
          comp('h', 'http.request', { url: `http://${echoHost}/fail`, credential: 'tok' }),
          comp('e', 'flow.end'),
          comp('recovered', 'flow.end'),
        ],
        [flow('s', 'h'), flow('h', 'e'), flow('h', 'recovered', 'failure'), data('h', 'error', 'recovered')],
      ),
    );
    const execution = await runAs(writer.client, 'echo-fail');
    expect(execution.status).toBe('completed');
    expect(execution.output_data[0].value.text).toContain('HTTP 500');
    expectNoSecret(await everythingRecorded(execution.id));
  });
});

describe('who may use a credential, and where', () => {
  it('refuses an org credential to a blob-scoped write key, even one made by the org admin', async () => {
    const key = await owner.client.post(`/blobs/${blobId}/api_keys`, { role: 'write' });
    expect(key.status, JSON.stringify(key.body)).toBe(200);
    await uploadCall('echo-key', `http://${echoHost}/key`, 'tok');
    const before = received.length;
    const execution = await runAs(p.client({ key: key.body.api_key.secret }), 'echo-key');
    expect(execution).toMatchObject({ status: 'failed', error: { kind: 'credential_forbidden' } });
    expect(received.length).toBe(before);
  });

  it('refuses an org credential to a member of the blob only', async () => {
    await uploadCall('echo-blob-member', `http://${echoHost}/blob-member`, 'tok');
    const before = received.length;
    const execution = await runAs(blobOnly.client, 'echo-blob-member');
    expect(execution).toMatchObject({ status: 'failed', error: { kind: 'credential_forbidden' } });
    expect(received.length).toBe(before);
  });

  it('never sends a credential to a host that is not on its allow-list, nor follows a redirect with it', async () => {
    const port = (echo.address() as AddressInfo).port;
    await uploadCall('echo-elsewhere', `http://localhost:${port}/elsewhere`, 'tok');
    const before = received.length;
    const elsewhere = await runAs(writer.client, 'echo-elsewhere');
    expect(elsewhere).toMatchObject({ status: 'failed', error: { kind: 'credential_host_not_allowed' } });
    expect(received.length).toBe(before);

    await uploadCall('echo-redirect', `http://${echoHost}/redirect`, 'tok');
    const redirected = await runAs(writer.client, 'echo-redirect');
    expect(redirected.status).toBe('failed');
    expect(received.slice(before).map((r) => r.path)).toEqual(['/redirect']);
  });

  it('stores the allow-list with the credential, shows it in lists, and refuses a malformed host', async () => {
    const listed = await owner.client.get('/orgs/acme/credentials');
    expect(listed.body.credentials[0]).toMatchObject({ alias: 'tok', allowed_hosts: [echoHost] });
    const bad = await owner.client.post('/orgs/acme/credentials', {
      alias: 'bad',
      type: 'bearer',
      body: { token: 'x' },
      allowed_hosts: ['http://example.com/path'],
    });
    expect(bad.status).toBe(400);
  });
});

describe('a schedule made by an API key', () => {
  const fires = async (schedulerRev: string, scheduleId: string, count: number) =>
    eventually(async () => {
      const listed = await owner.client.data(schedulerRev, SCHEDULER, 'list_executions', { schedule_id: scheduleId });
      return listed.body.executions?.length >= count ? listed.body.executions : undefined;
    });

  it("acts with that key's rights at every fire (no personal credential it could not use itself), and stops acting once the key is revoked", async () => {
    const own = await owner.client.post('/users/me/credentials', { alias: 'own', type: 'bearer', body: { token: PERSONAL_SECRET }, allowed_hosts: [echoHost] });
    expect(own.status, JSON.stringify(own.body)).toBe(200);
    await uploadCall('echo-scheduled', `http://${echoHost}/scheduled`, 'own');
    const orgKey = (await owner.client.post('/orgs/acme/api_keys', { role: 'write' })).body.api_key;
    const viaKey = p.client({ key: orgKey.secret });
    const before = received.length;
    const direct = await runAs(viaKey, 'echo-scheduled');
    expect(direct.status).toBe('failed');

    const scheduler = await viaKey.post('/orgs/acme/blobs', { name: 'timers', type: 'scheduler', visibility: 'private' });
    expect(scheduler.status, JSON.stringify(scheduler.body)).toBe(200);
    const schedulerRev = scheduler.body.revision.id;
    const orgId = (await owner.client.get('/orgs/acme')).body.org.id;
    const created = await viaKey.data(schedulerRev, SCHEDULER, 'create_schedule', {
      repeat: 'recurring_cron',
      cron_expression: '0 9 ? * MON-FRI *',
      timezone: 'Europe/London',
      invocation_target_type: 'workflow',
      invocation_target: targetOf(orgId, { blobId, revisionId: rev }, 'echo-scheduled'),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const scheduleId = created.body.schedule.id;
    expect((await viaKey.data(schedulerRev, SCHEDULER, 'trigger_schedule', { schedule_id: scheduleId })).status).toBe(200);
    const [fired] = await fires(schedulerRev, scheduleId, 1);
    expect(fired.status).toBe('success');
    const scheduled = await waitForStatus(owner.client, rev, fired.result.execution_id, undefined, 60_000);
    expect(scheduled).toMatchObject({ status: 'failed', error: { kind: direct.error.kind } });
    expect(received.length).toBe(before);

    expect((await owner.client.delete(`/orgs/acme/api_keys/${orgKey.id}`)).status).toBe(200);
    expect((await owner.client.data(schedulerRev, SCHEDULER, 'trigger_schedule', { schedule_id: scheduleId })).status).toBe(200);
    const [afterRevoke] = await fires(schedulerRev, scheduleId, 2);
    expect(afterRevoke).toMatchObject({
      status: 'access_error',
      result: { error: expect.stringContaining(`${orgKey.id} that created the schedule was revoked`) },
    });
    await owner.client.data(schedulerRev, SCHEDULER, 'delete_schedule', { schedule_id: scheduleId });
  });
});
