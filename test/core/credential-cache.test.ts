/**
 * API processes cache checked credentials (core/credential-cache.ts); revoking one must still
 * stop it at once, on every API process, whoever revokes it: through the API or straight in the
 * database.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../core/crypto';
import { apiKeys, authTokens, users } from '../../db/schema';
import { ApiClient } from '../support/client';
import { expectError, newUser, signIn, startWithOwnedBlob, type TestUser } from '../support/people';
import type { TestPlatform } from '../support/platform';
import { startApiProcess, type BlobHubProcess } from '../support/processes';

let p: TestPlatform;
let admin: TestUser;
let owner: TestUser;
let orgId: string;
let blobId: string;
/** a second API process on the same database, with its own cache */
let second: BlobHubProcess;

beforeAll(async () => {
  ({ p, admin, owner, orgId, blobId } = await startWithOwnedBlob('cached', { name: 'flow', type: 'workflow' }));
  second = await startApiProcess(p.env);
});
afterAll(async () => {
  await second?.stop();
  await p?.close();
});

/** The same credential on both API processes. */
const onBoth = (auth: { key?: string; token?: string }) => [p.client(auth), new ApiClient(second.url!, auth)];

/** Reads enough for both processes to have the credential cached. */
async function warm(clients: ApiClient[]) {
  for (const client of clients) for (let i = 0; i < 3; i++) expect((await client.get(`/blobs/${blobId}`)).status).toBe(200);
}

describe('cached credentials', () => {
  it('a revoked API key is refused by the very next request, on either API process', async () => {
    // several rounds: the request races the revocation's notification every time
    for (let round = 0; round < 8; round++) {
      const key = (await owner.client.post(`/orgs/${orgId}/api_keys`, { role: 'read' })).body.api_key;
      const [first, other] = onBoth({ key: key.secret });
      await warm([first!, other!]);
      expect((await owner.client.delete(`/orgs/${orgId}/api_keys/${key.id}`)).status).toBe(200);
      const next = round % 2 === 0 ? other! : first!;
      expectError(await next.get(`/blobs/${blobId}`), 401, 'unauthenticated');
      expectError(await (next === first ? other! : first!).get(`/blobs/${blobId}`), 401, 'unauthenticated');
    }
  });

  it('an API key or access token revoked in the database is refused by the very next request', async () => {
    const key = (await owner.client.post(`/orgs/${orgId}/api_keys`, { role: 'read' })).body.api_key;
    const keyClients = onBoth({ key: key.secret });
    const tokenClients = onBoth({ token: owner.client.auth.token });
    await warm([...keyClients, ...tokenClients]);

    await p.app.db.update(apiKeys).set({ revokedAt: new Date() }).where(eq(apiKeys.id, key.id));
    for (const client of keyClients) expectError(await client.get(`/blobs/${blobId}`), 401, 'unauthenticated');

    await p.app.db
      .update(authTokens)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(authTokens.tokenHash, sha256Hex(owner.client.auth.token!)));
    for (const client of tokenClients) expectError(await client.get(`/blobs/${blobId}`), 401, 'unauthenticated');
    owner = await signIn(p, owner.email, 'password-123');
  });

  it('a changed instance-admin flag applies to the very next request', async () => {
    const user = await newUser(p, admin, 'promoted');
    const clients = onBoth({ token: user.client.auth.token });
    for (const client of clients) expectError(await client.get(`/blobs/${blobId}`), 404, 'not_found');
    await p.app.db.update(users).set({ isInstanceAdmin: true }).where(eq(users.id, user.id));
    for (const client of clients) expect((await client.get(`/blobs/${blobId}`)).status).toBe(200);
    await p.app.db.update(users).set({ isInstanceAdmin: false }).where(eq(users.id, user.id));
    for (const client of clients) expectError(await client.get(`/blobs/${blobId}`), 404, 'not_found');
  });

  it('a deleted user’s credentials stop working at once', async () => {
    const user = await newUser(p, admin, 'leaving');
    const clients = onBoth({ token: user.client.auth.token });
    for (const client of clients) expect((await client.get('/users/me')).status).toBe(200);
    await p.app.db.delete(users).where(eq(users.id, user.id));
    for (const client of clients) expectError(await client.get('/users/me'), 401, 'unauthenticated');
  });
});
