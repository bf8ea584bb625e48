/** Webhook triggers and idempotent creation, through REST and the public /hooks/ URL on the real platform. */
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode, type ApiResponse } from '../../test/support/client';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, definition, ENGINE, fibonacciDefinition, flow, integer, newWorkflowBlob, upload, waitForStatus } from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;

beforeAll(async () => {
  p = await startTestPlatform();
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'hooks'));
  await upload(p.admin, rev, 'fib', fibonacciDefinition());
  await upload(
    p.admin,
    rev,
    'slow',
    definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 20 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]),
  );
});
afterAll(() => p?.close());

const fibMapping = [{ alias: 'n', source: 'body', path: '/n', type: 'integer' }];

async function createTrigger(params: Record<string, unknown>, revisionId = rev) {
  const res = await p.admin.data(revisionId, ENGINE, 'create_trigger', params);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.trigger as { id: string; url: string; secret: string; [k: string]: unknown };
}

/** What a sender does: POST the body with X-BlobHub-Timestamp and X-BlobHub-Signature = sha256=HMAC(secret, "<timestamp>.<body>"). */
function signedHeaders(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)) {
  const signature = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return { 'x-blobhub-timestamp': String(timestamp), 'x-blobhub-signature': `sha256=${signature}` };
}

async function post(url: string, body: string, headers: Record<string, string> = {}): Promise<ApiResponse> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

const postSigned = (trigger: { url: string; secret: string }, payload: unknown, extra: Record<string, string> = {}) => {
  const body = JSON.stringify(payload);
  return post(trigger.url, body, { ...signedHeaders(trigger.secret, body), ...extra });
};

describe('webhook triggers', () => {
  it('starts an execution from a signed request (async: 202 with the execution, which records its trigger)', async () => {
    const trigger = await createTrigger({ alias: 'fib', input_mapping: fibMapping });
    expect(trigger).toMatchObject({ url: `${p.url}/hooks/${trigger.id}`, auth: 'hmac', mode: 'async', status: 'active', revision_id: rev });
    expect(trigger.secret).toMatch(/^bhw_/);
    const res = await postSigned(trigger, { n: 10 });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.execution).toMatchObject({ trigger_id: trigger.id, input_data: [{ alias: 'n', value: integer(10) }] });
    const ended = await waitForStatus(p.admin, rev, res.body.execution.id);
    expect(ended).toMatchObject({ status: 'completed', trigger_id: trigger.id, output_data: [{ alias: 'result', value: integer(55) }] });
    // a manual start records none
    const manual = await p.admin.data(rev, ENGINE, 'create_execution', { alias: 'fib', input_data: [{ alias: 'n', value: integer(3) }] });
    expect(manual.body.execution.trigger_id).toBeNull();
  });

  it('refuses a bad, stale or missing signature with 401, and an unknown trigger with 404', async () => {
    const trigger = await createTrigger({ alias: 'fib', input_mapping: fibMapping });
    const body = JSON.stringify({ n: 3 });
    const wrongSecret = await post(trigger.url, body, signedHeaders('bhw_not-the-secret', body));
    expect(wrongSecret.status).toBe(401);
    expect(errorCode(wrongSecret)).toBe('unauthenticated');
    const tampered = await post(trigger.url, JSON.stringify({ n: 30 }), signedHeaders(trigger.secret, body));
    expect(tampered.status).toBe(401);
    const stale = await post(trigger.url, body, signedHeaders(trigger.secret, body, Math.floor(Date.now() / 1000) - 301));
    expect(stale.status).toBe(401);
    expect(stale.body.message).toMatch(/300 s/);
    expect((await post(trigger.url, body)).status).toBe(401);
    const unknown = await post(`${p.url}/hooks/trg_01jabcdefghjkmnpqrstvwxyz0`, body);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ status: 'error', error: 'not_found' });
    expect((await post(`${p.url}/hooks/nonsense`, body)).status).toBe(404);
    const get = await fetch(trigger.url);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    // nothing was started by the refused requests
    const listed = await p.admin.data(rev, ENGINE, 'list_executions', { limit: 100 });
    expect(listed.body.executions.filter((e: { trigger_id: string }) => e.trigger_id === trigger.id)).toEqual([]);
  });

  it('answers in sync mode with the ended execution and its outputs, or 202 when it runs past the wait', async () => {
    const trigger = await createTrigger({ alias: 'fib', auth: 'secret', mode: 'sync', sync_timeout_seconds: 30, input_mapping: fibMapping });
    const body = JSON.stringify({ n: 12 });
    const res = await post(trigger.url, body, { authorization: `Bearer ${trigger.secret}` });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.execution).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(144) }] });
    // the secret header works as well as the bearer token
    expect((await post(trigger.url, body, { 'x-blobhub-webhook-secret': trigger.secret })).status).toBe(200);
    expect((await post(trigger.url, body, { authorization: 'Bearer bhw_wrong' })).status).toBe(401);

    const slow = await createTrigger({ alias: 'slow', auth: 'secret', mode: 'sync', sync_timeout_seconds: 1 });
    const waited = await post(slow.url, '', { authorization: `Bearer ${slow.secret}` });
    expect(waited.status, JSON.stringify(waited.body)).toBe(202);
    expect(['pending', 'running']).toContain(waited.body.execution.status);
    await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: waited.body.execution.id });
  });

  it('maps body, query and headers to typed inputs, with defaults, and names what does not fit', async () => {
    const trigger = await createTrigger({
      alias: 'fib',
      input_mapping: [
        { alias: 'n', source: 'query', path: 'n', type: 'integer' },
        { alias: 'who', source: 'header', path: 'X-Sender', type: 'text' },
        { alias: 'urgent', source: 'body', path: '/flags/urgent', type: 'boolean', required: false, default: false },
        { alias: 'event', source: 'body', path: '/event', type: 'json', required: false },
        { alias: 'whole', source: 'body', path: '', type: 'json' },
      ],
    });
    const payload = { event: { kind: 'push', refs: ['main'] } };
    const res = await postSigned({ ...trigger, url: `${trigger.url}?n=7` }, payload, { 'x-sender': 'ci' });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.execution.input_data).toEqual([
      { alias: 'n', value: integer(7) },
      { alias: 'who', value: { type: 'text', text: 'ci' } },
      { alias: 'urgent', value: { type: 'boolean', flag: false } },
      { alias: 'event', value: { type: 'json', json: payload.event } },
      { alias: 'whole', value: { type: 'json', json: payload } },
    ]);
    expect((await waitForStatus(p.admin, rev, res.body.execution.id)).output_data).toEqual([{ alias: 'result', value: integer(13) }]);

    const bad = await postSigned({ ...trigger, url: `${trigger.url}?n=seven` }, { constructor: 1 });
    expect(bad.status).toBe(400);
    expect(bad.body.details).toEqual([
      { alias: 'n', message: 'query n is not of type integer' },
      { alias: 'who', message: 'header X-Sender is missing' },
    ]);
    const notJson = await post(trigger.url, '{"n":', signedHeaders(trigger.secret, '{"n":'));
    expect(notJson.status).toBe(400);

    const badMapping = await p.admin.data(rev, ENGINE, 'create_trigger', {
      alias: 'fib',
      input_mapping: [{ alias: 'n', source: 'body', path: 'n', type: 'integer' }],
    });
    expect(badMapping.status).toBe(400);
    const unknownField = await p.admin.data(rev, ENGINE, 'create_trigger', { alias: 'fib', mapping: [] });
    expect(unknownField.status).toBe(400);
    expect((await p.admin.data(rev, ENGINE, 'create_trigger', { alias: 'nope' })).status).toBe(404);
  });

  it('rotates a secret (the old one stops at once) and revokes a trigger (404 from then on); secrets are shown once', async () => {
    const trigger = await createTrigger({ alias: 'fib', input_mapping: fibMapping });
    const rotated = await p.admin.data(rev, ENGINE, 'rotate_trigger_secret', { trigger_id: trigger.id });
    expect(rotated.status).toBe(200);
    const fresh = rotated.body.trigger as { secret: string; rotated_at: string };
    expect(fresh.secret).not.toBe(trigger.secret);
    expect(fresh.rotated_at).toEqual(expect.any(String));
    expect((await postSigned(trigger, { n: 2 })).status).toBe(401);
    expect((await postSigned({ url: trigger.url, secret: fresh.secret }, { n: 2 })).status).toBe(202);

    const got = await p.admin.data(rev, ENGINE, 'get_trigger', { trigger_id: trigger.id });
    expect(got.body.trigger).not.toHaveProperty('secret');
    expect(JSON.stringify(got.body)).not.toContain(fresh.secret);
    expect((await p.admin.data(rev, ENGINE, 'list_triggers', {})).body.triggers.map((t: { id: string }) => t.id)).toContain(trigger.id);

    const revoked = await p.admin.data(rev, ENGINE, 'revoke_trigger', { trigger_id: trigger.id });
    expect(revoked.body.trigger).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    const after = await postSigned({ url: trigger.url, secret: fresh.secret }, { n: 2 });
    expect(after.status).toBe(404);
    expect(errorCode(after)).toBe('not_found');
    expect((await p.admin.data(rev, ENGINE, 'rotate_trigger_secret', { trigger_id: trigger.id })).status).toBe(409);
    const listed = await p.admin.data(rev, ENGINE, 'list_triggers', {});
    expect(listed.body.triggers.map((t: { id: string }) => t.id)).not.toContain(trigger.id);
    const withRevoked = await p.admin.data(rev, ENGINE, 'list_triggers', { include_revoked: true });
    expect(withRevoked.body.triggers.map((t: { id: string }) => t.id)).toContain(trigger.id);
  });

  it('records creation, rotation, revocation and webhook starts in the audit log, never the secret', async () => {
    const trigger = await createTrigger({ alias: 'fib', input_mapping: fibMapping });
    const started = await postSigned(trigger, { n: 3 }, { 'user-agent': 'sender/1.0' });
    expect(started.status).toBe(202);
    const rotated = await p.admin.data(rev, ENGINE, 'rotate_trigger_secret', { trigger_id: trigger.id });
    await p.admin.data(rev, ENGINE, 'revoke_trigger', { trigger_id: trigger.id });

    const log = await p.admin.get(`/orgs/hooks/audit_log?target_id=${trigger.id}`);
    expect(log.body.audit_entries.map((e: { action: string }) => e.action)).toEqual(['trigger.revoke', 'trigger.rotate_secret', 'trigger.create']);
    const start = await p.admin.get(`/orgs/hooks/audit_log?target_id=${started.body.execution.id}`);
    expect(start.body.audit_entries).toEqual([expect.objectContaining({ action: 'execution.start', via: 'webhook', user_agent: 'sender/1.0' })]);
    const text = JSON.stringify([log.body, start.body]);
    for (const secret of [trigger.secret, rotated.body.trigger.secret as string]) expect(text).not.toContain(secret);
  });

  it('limits requests per minute with 429 and Retry-After, and bodies by size with 413', async () => {
    const trigger = await createTrigger({ alias: 'fib', input_mapping: fibMapping, rate_limit_per_minute: 2, max_body_bytes: 64 });
    expect((await postSigned(trigger, { n: 1 })).status).toBe(202);
    expect((await postSigned(trigger, { n: 1 })).status).toBe(202);
    const limited = await postSigned(trigger, { n: 1 });
    expect(limited.status).toBe(429);
    expect(errorCode(limited)).toBe('rate_limited');
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    const big = await postSigned(trigger, { n: 1, padding: 'x'.repeat(100) });
    expect(big.status).toBe(413);
    expect(errorCode(big)).toBe('payload_too_large');
  });

  it("runs the blob's default revision when created with runs: default", async () => {
    const { revisionId: first, blobId } = await newWorkflowBlob(p.admin, 'hooks-default');
    await upload(p.admin, first, 'fib', fibonacciDefinition());
    const trigger = await createTrigger({ alias: 'fib', runs: 'default', auth: 'secret', input_mapping: fibMapping }, first);
    expect(trigger.revision_id).toBeNull();
    expect((await p.admin.post(`/revisions/${first}/commit`)).status).toBe(200);
    const second = (await p.admin.post(`/blobs/${blobId}/revisions`, {})).body.revision.id as string;
    const res = await post(trigger.url, JSON.stringify({ n: 5 }), { authorization: `Bearer ${trigger.secret}` });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    expect(res.body.execution.revision_id).toBe(second);
  });

  it("acts as its creator's API key: a reader cannot create one, and a revoked key's trigger answers 403", async () => {
    const { blobId } = await newWorkflowBlob(p.admin, 'hooks-keys');
    const blobRev = (await p.admin.get(`/blobs/${blobId}`)).body.blob.latest_revision_id as string;
    await upload(p.admin, blobRev, 'fib', fibonacciDefinition());
    const reader = p.client({ key: (await p.admin.post(`/blobs/${blobId}/api_keys`, { role: 'read' })).body.api_key.secret });
    expect((await reader.data(blobRev, ENGINE, 'create_trigger', { alias: 'fib' })).status).toBe(403);
    const writeKey = (await p.admin.post(`/blobs/${blobId}/api_keys`, { role: 'write' })).body.api_key;
    const created = await p.client({ key: writeKey.secret }).data(blobRev, ENGINE, 'create_trigger', { alias: 'fib', input_mapping: fibMapping });
    const trigger = created.body.trigger;
    expect(trigger.created_by_key_id).toBe(writeKey.id);
    expect((await postSigned(trigger, { n: 3 })).status).toBe(202);
    expect((await p.admin.delete(`/blobs/${blobId}/api_keys/${writeKey.id}`)).status).toBe(200);
    const refused = await postSigned(trigger, { n: 3 });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/revoked/);
  });

  it('starts one execution per Idempotency-Key of a sender, whatever the retries', async () => {
    const trigger = await createTrigger({ alias: 'fib', input_mapping: fibMapping });
    const first = await postSigned(trigger, { n: 4 }, { 'idempotency-key': 'delivery-1' });
    const retry = await postSigned(trigger, { n: 4 }, { 'idempotency-key': 'delivery-1' });
    expect(retry.body.execution.id).toBe(first.body.execution.id);
    const changed = await postSigned(trigger, { n: 5 }, { 'idempotency-key': 'delivery-1' });
    expect(changed.status).toBe(409);
  });
});

describe('idempotent create_execution', () => {
  const fibInput = (n: number) => ({ alias: 'fib', input_data: [{ alias: 'n', value: integer(n) }] });

  it('returns the first execution for the same key (field or header), one Temporal workflow, and 409 for another body', async () => {
    const a = await p.admin.data(rev, ENGINE, 'create_execution', { ...fibInput(6), idempotency_key: 'order-6' });
    expect(a.status).toBe(200);
    await waitForStatus(p.admin, rev, a.body.execution.id);
    const b = await p.admin.request(
      'POST',
      `/revisions/${rev}/data`,
      { engine: ENGINE, command: 'create_execution', ...fibInput(6) },
      { 'idempotency-key': 'order-6' },
    );
    expect(b.status).toBe(200);
    expect(b.body.execution).toMatchObject({ id: a.body.execution.id, status: 'completed' });
    const runs = [];
    for await (const run of p.app.temporal.client.workflow.list({ query: `WorkflowId = '${a.body.execution.id}'` })) runs.push(run.runId);
    expect(runs).toEqual([a.body.execution.temporal.run_id]);

    const other = await p.admin.data(rev, ENGINE, 'create_execution', { ...fibInput(7), idempotency_key: 'order-6' });
    expect(other.status).toBe(409);
    expect(errorCode(other)).toBe('idempotency_key_reused');
    const differ = await p.admin.request(
      'POST',
      `/revisions/${rev}/data`,
      { engine: ENGINE, command: 'create_execution', ...fibInput(6), idempotency_key: 'x' },
      { 'idempotency-key': 'y' },
    );
    expect(differ.status).toBe(400);
  });

  it('creates one execution (and one session) for concurrent duplicates', async () => {
    const { revisionId } = await newWorkflowBlob(p.admin, 'idem-race');
    await upload(p.admin, revisionId, 'fib', fibonacciDefinition());
    const results = await Promise.all(
      Array.from({ length: 8 }, () => p.admin.data(revisionId, ENGINE, 'create_execution', { ...fibInput(9), idempotency_key: 'race' })),
    );
    expect(results.map((r) => r.status)).toEqual(Array(8).fill(200));
    expect(new Set(results.map((r) => r.body.execution.id)).size).toBe(1);
    const listed = await p.admin.data(revisionId, ENGINE, 'list_executions', {});
    expect(listed.body.executions).toHaveLength(1);
    expect((await p.admin.data(revisionId, ENGINE, 'list_sessions', {})).body.sessions).toHaveLength(1);
    expect((await waitForStatus(p.admin, revisionId, results[0]!.body.execution.id)).output_data).toEqual([{ alias: 'result', value: integer(34) }]);
  });

  it('refuses unknown fields instead of dropping them', async () => {
    const res = await p.admin.data(rev, ENGINE, 'create_execution', { ...fibInput(3), idempotencyKey: 'typo' });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toContain('idempotencyKey');
  });
});
