/**
 * REST API benchmark (not a test): requests per second and p50/p99 latency of the platform's
 * `GET /v1/blobs/:id` and blob creation, against a bare node:http handler that runs the same
 * drizzle query on the same database pool, in the same run. The overhead ratio is
 * bare req/s ÷ platform req/s (the goal for the read path: ≤ 2).
 *
 *   npm run bench:api            # BENCH_SECONDS=8 BENCH_CONNECTIONS=10
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import os from 'node:os';
import { promisify } from 'node:util';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { apiExtensions } from '../../apps/api/extensions';
import { startApiServer } from '../../apps/api/server';
import { freePort, repoRoot } from '../../apps/dev/processes';
import { startTemporalDevServer } from '../../apps/dev/temporal';
import type { App } from '../../core/app';
import { loadConfig } from '../../core/config';
import { theRow } from '../../core/errors';
import { newId } from '../../core/ids';
import { bootPlatform } from '../../apps/platform';
import { toBlobWire } from '../../core/blobs';
import { toRevisionWire } from '../../core/revisions';
import { blobs, revisions } from '../../db/schema';
import { ApiClient } from '../../test/support/client';
import { startPostgres } from '../../test/support/postgres';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);

interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

/** The baseline: the same queries with no routing, validation, auth or access checks. */
function startBareServer(app: App, port: number) {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readJson = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as { name: string; type: 'workflow' };
  };
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const [, first, id, sub] = (req.url ?? '/').split('/');
    if (req.method === 'GET' && first === 'blobs' && id) {
      const [blob] = await app.db.select().from(blobs).where(eq(blobs.id, id));
      return blob ? send(res, 200, { blob: toBlobWire(blob) }) : send(res, 404, {});
    }
    if (req.method === 'POST' && first === 'orgs' && id && sub === 'blobs') {
      const input = await readJson(req);
      const created = await app.db.transaction(async (tx) => {
        const blobId = newId('blob');
        const revisionId = newId('revision');
        const blob = await tx
          .insert(blobs)
          .values({ id: blobId, orgId: id, name: input.name, type: input.type, visibility: 'private', latestRevisionId: revisionId })
          .returning()
          .then(theRow);
        const revision = await tx.insert(revisions).values({ id: revisionId, blobId, number: 1, phase: 'draft' }).returning().then(theRow);
        return { blob: toBlobWire(blob), revision: toRevisionWire(revision) };
      });
      return send(res, 200, created);
    }
    send(res, 404, {});
  };
  const server = createServer((req, res) => void serve(req, res));
  return new Promise<typeof server>((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

/** Runs the load generator as a child process (asynchronously: the servers live in this one). */
async function load(url: string, method: 'GET' | 'POST', headers: Record<string, string>, createBlob = false): Promise<LoadResult> {
  const scenario = { url, method, headers, createBlob, connections, durationSeconds: seconds };
  const { stdout } = await promisify(execFile)(
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    [path.join(repoRoot, 'bench/api/load.ts'), JSON.stringify(scenario)],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as LoadResult;
}

const [postgres, temporal] = await Promise.all([startPostgres(), startTemporalDevServer({ headless: true })]);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-bench-api-'));
const [port, barePort] = [await freePort(), await freePort()];
const app = await bootPlatform(
  loadConfig({
    BLOBHUB_DATA_DIR: dataDir,
    BLOBHUB_DATABASE_URL: postgres.url,
    BLOBHUB_TEMPORAL_ADDRESS: temporal.address,
    BLOBHUB_HTTP_PORT: String(port),
    BLOBHUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
    BLOBHUB_SECRET_KEY: randomBytes(32).toString('hex'),
    BLOBHUB_ADMIN_EMAIL: 'admin@example.com',
    BLOBHUB_ADMIN_PASSWORD: 'admin-password',
  }),
);
const api = await startApiServer(app, { port, host: '127.0.0.1', extensions: await apiExtensions(app) });
const bare = await startBareServer(app, barePort);
const bareUrl = `http://127.0.0.1:${barePort}`;

// An ordinary user (not the instance admin) who administers the org, signed in with a token.
const anonymous = new ApiClient(api.url);
const adminToken = (await anonymous.post('/auth/login', { email: 'admin@example.com', password: 'admin-password' })).body.access_token;
await new ApiClient(api.url, { token: adminToken }).post('/users', { email: 'bench@example.com', name: 'bench', password: 'bench-password' });
const token = (await anonymous.post('/auth/login', { email: 'bench@example.com', password: 'bench-password' })).body.access_token as string;
const user = new ApiClient(api.url, { token });
const orgId = (await user.post('/orgs', { name: 'bench' })).body.org.id as string;
const privateBlob = (await user.post('/orgs/bench/blobs', { name: 'private', type: 'workflow' })).body.blob.id as string;
const publicBlob = (await user.post('/orgs/bench/blobs', { name: 'public', type: 'workflow', visibility: 'public' })).body.blob.id as string;

const auth = { authorization: `Bearer ${token}` };
const json = { 'content-type': 'application/json' };
const scenarios = [
  {
    name: 'GET /v1/blobs/:id (private, user token)',
    platform: () => load(`${api.url}/v1/blobs/${privateBlob}`, 'GET', auth),
    bare: () => load(`${bareUrl}/blobs/${privateBlob}`, 'GET', {}),
  },
  {
    name: 'GET /v1/blobs/:id (public, anonymous)',
    platform: () => load(`${api.url}/v1/blobs/${publicBlob}`, 'GET', {}),
    bare: () => load(`${bareUrl}/blobs/${publicBlob}`, 'GET', {}),
  },
  {
    name: 'POST /v1/orgs/:org/blobs (create)',
    platform: () => load(`${api.url}/v1/orgs/${orgId}/blobs`, 'POST', { ...auth, ...json }, true),
    bare: () => load(`${bareUrl}/orgs/${orgId}/blobs`, 'POST', json, true),
  },
];

const fmt = (r: LoadResult) => `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms`;
console.log(`\nBlobHub REST API vs bare node:http + drizzle (${connections} connections, ${seconds} s each, ${os.cpus().length} cores)\n`);
try {
  for (const s of scenarios) {
    const platform = await s.platform();
    const baseline = await s.bare();
    for (const [what, r] of [
      ['platform', platform],
      ['bare', baseline],
    ] as const) {
      if (r.errors || r.non2xx) throw new Error(`${s.name} (${what}): ${r.errors} errors, ${r.non2xx} non-2xx of ${r.total}`);
    }
    console.log(s.name);
    console.log(`  platform  ${fmt(platform)}`);
    console.log(`  bare      ${fmt(baseline)}`);
    console.log(`  overhead  ${(baseline.rps / platform.rps).toFixed(2)}× (bare req/s ÷ platform req/s)\n`);
  }
} finally {
  bare.close();
  await api.close();
  await app.close();
  await Promise.all([postgres.stop(), temporal.stop()]);
  rmSync(dataDir, { recursive: true, force: true });
}
