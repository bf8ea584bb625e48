import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../support/client';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.close());

describe('a running platform', () => {
  it('is healthy and ready with its database and Temporal reachable', async () => {
    expect((await p.anonymous.get('/healthz')).status).toBe(200);
    const ready = await p.anonymous.get('/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body).toMatchObject({ database: 'ok', temporal: 'ok' });
  });

  it('lets the bootstrapped admin sign in, create an org, a blob and walk its revision lifecycle', async () => {
    const login = await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'admin-password' });
    expect(login.status).toBe(200);
    const admin = p.client({ token: login.body.access_token });
    expect((await admin.get('/users/me')).body).toMatchObject({ email: 'admin@example.com' });

    const org = await admin.post('/orgs', { name: 'acme' });
    expect(org.status).toBe(200);
    const created = await admin.post('/orgs/acme/blobs', { name: 'flows', type: 'workflow', visibility: 'private' });
    expect(created.status).toBe(200);
    expect(created.body.revision).toMatchObject({ number: 1, phase: 'draft' });
    const rev = created.body.revision.id;

    expect((await admin.post(`/revisions/${rev}/snapshot`)).status).toBe(409);
    expect((await admin.post(`/revisions/${rev}/commit`)).body.revision.phase).toBe('commit');
    expect((await admin.post(`/revisions/${rev}/snapshot`)).body.revision.phase).toBe('snapshot');
    const draft = await admin.post(`/blobs/${created.body.blob.id}/revisions`, {});
    expect(draft.body.revision).toMatchObject({ number: 2, phase: 'draft', parent_revision_id: rev });
    expect((await admin.post(`/blobs/${created.body.blob.id}/revisions`, {})).status).toBe(409);
    const byName = await admin.get('/blobs/acme/flows');
    expect(byName.body.blob).toMatchObject({ id: created.body.blob.id, latest_revision_id: draft.body.revision.id, latest_snapshot_id: rev });
  });

  it('answers bad input with the SPEC error shape', async () => {
    const res = await p.admin.post('/orgs', { name: 'Not A Slug' });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('bad_request');
    expect(res.body.details[0].path).toEqual(['name']);
    const unknownEngine = await p.admin.post('/revisions/rev_01jz0000000000000000000000/data', { engine: 'nope', command: 'x' });
    expect(errorCode(unknownEngine)).toBe('bad_request');
  });
});
