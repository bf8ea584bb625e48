/**
 * REST API benchmark (not a test): requests per second and p50/p99 latency of the platform's hot
 * reads (get a blob, list an org's blobs, get an execution), each with an API key and with a
 * session (access) token, and of blob creation, against a bare node:http handler in the same
 * process and run. The bare handler runs the same SQL: it resolves the credential with the same
 * lookup (uncached, every request) and calls the same core functions, without routing, the
 * tRPC/OpenAPI adapter, zod validation, rate limits or request observation. The overhead ratio is
 * bare req/s ÷ platform req/s (the goal for reads: ≤ 2). On a shared machine the load drifts
 * within seconds, so each scenario warms both sides up, then alternates them for BENCH_ROUNDS
 * rounds of BENCH_SECONDS each and reports each side's median round, and the server-side CPU
 * per request (this process, which runs both servers, plus PostgreSQL), which the load shifts less.
 *
 *   npm run bench:api            # BENCH_SECONDS=4 BENCH_ROUNDS=3 BENCH_CONNECTIONS=32
 *   BENCH_ONLY=key npm run bench:api   # only the scenarios whose name contains `key`
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { actorOf } from '../../core/actor';
import type { App } from '../../core/app';
import { lookupCaller } from '../../core/auth';
import { toBlobWire } from '../../core/blobs';
import { theRow } from '../../core/errors';
import { newId } from '../../core/ids';
import { findOrg, requireBlob } from '../../core/resources';
import { listBlobs } from '../../core/blobs';
import { toRevisionWire } from '../../core/revisions';
import { blobs, revisions } from '../../db/schema';
import { credentialsFromHeaders } from '../../http/credentials';
import { runCommand } from '../../apps/api/routers/engines';
import { freePort, repoRoot } from '../../apps/dev/processes';
import { ApiClient } from '../../test/support/client';
import { ENGINE, fibonacciDefinition, integer, run, upload } from '../../test/support/workflow';
import { startBenchPlatform } from '../support/platform';
import { median } from '../support/stats';
import { cpuMsOfTrees, loadAverage } from '../support/services';

const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const only = process.env.BENCH_ONLY;

interface LoadResult {
  /** server-side CPU per request: this process (the servers) and PostgreSQL, in µs */
  cpuUs: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  total: number;
}

/** The baseline: the same credential lookup and core calls per request, nothing around them. */
function startBareServer(app: App, port: number) {
  const send = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  const readJson = async (req: IncomingMessage) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, string>;
  };
  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    const caller = await lookupCaller(app, credentialsFromHeaders(req.headers));
    const [, first, id, sub] = (req.url ?? '/').split('/');
    if (req.method === 'GET' && first === 'blobs' && id) {
      const { blob } = await requireBlob(app.db, caller, id, 'read');
      return send(res, 200, { status: 'success', blob: toBlobWire(blob) });
    }
    if (req.method === 'GET' && first === 'orgs' && id && sub === 'blobs') {
      const org = await findOrg(app.db, id);
      const { items, cursor } = await listBlobs(app.db, caller, org.id, { limit: 50 });
      return send(res, 200, { status: 'success', blobs: items.map(toBlobWire), cursor });
    }
    if (req.method === 'POST' && first === 'revisions' && id && sub === 'data') {
      const { engine, command, ...params } = await readJson(req);
      const ctx = { app, caller, actor: actorOf(caller, { via: 'rest' }) };
      const result = await runCommand(ctx, { revisionId: id, engine, name: command!, commandOf: (e) => e.commands[command!]!, params });
      return send(res, 200, { status: 'success', ...result });
    }
    if (req.method === 'POST' && first === 'orgs' && id && sub === 'blobs') {
      const input = (await readJson(req)) as { name: string; type: 'workflow' };
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
  const server = createServer((req, res) => void serve(req, res).catch(() => send(res, 500, {})));
  return new Promise<typeof server>((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

interface Request {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  createBlob?: boolean;
}

/** Runs the load generator as a child process (asynchronously: the servers live in this one). */
async function load(request: Request, durationSeconds = seconds): Promise<LoadResult> {
  const scenario = { ...request, connections, durationSeconds };
  const [nodeBefore, postgresBefore] = [process.cpuUsage(), cpuMsOfTrees(postgresPids)];
  const { stdout } = await promisify(execFile)(
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    [path.join(repoRoot, 'bench/api/load.ts'), JSON.stringify(scenario)],
    {
      encoding: 'utf8',
    },
  );
  const nodeUs = process.cpuUsage(nodeBefore);
  const cpuMs = (nodeUs.user + nodeUs.system) / 1000 + cpuMsOfTrees(postgresPids) - postgresBefore;
  const result = JSON.parse(stdout.trim().split('\n').pop()!) as Omit<LoadResult, 'cpuUs'>;
  return { ...result, cpuUs: (cpuMs * 1000) / result.total };
}

const platform = await startBenchPlatform();
const postgresPids = [platform.postgres.child.pid!];
const api = platform.url;
const bare = await startBareServer(platform.app, await freePort());
const bareAddress = bare.address();
const bareUrl = `http://127.0.0.1:${typeof bareAddress === 'object' && bareAddress ? bareAddress.port : 0}`;

// An ordinary user (not the instance admin) who administers the org: signed in with a token, and an org API key (read) of theirs.
await platform.admin.post('/users', { email: 'bench@example.com', name: 'bench', password: 'bench-password' });
const token = (await platform.anonymous.post('/auth/login', { email: 'bench@example.com', password: 'bench-password' })).body.access_token as string;
const user = new ApiClient(api, { token });
const orgId = (await user.post('/orgs', { name: 'bench' })).body.org.id as string;
const key = (await user.post(`/orgs/${orgId}/api_keys`, { role: 'read' })).body.api_key.secret as string;
const flows = (await user.post(`/orgs/${orgId}/blobs`, { name: 'flows', type: 'workflow' })).body;
const [blobId, revisionId] = [flows.blob.id as string, flows.revision.id as string];
for (let i = 0; i < 19; i++) await user.post(`/orgs/${orgId}/blobs`, { name: `blob-${i}`, type: 'workflow' });
await upload(user, revisionId, 'fib', fibonacciDefinition());
const execution = await run(user, revisionId, 'fib', [{ alias: 'n', value: integer(10) }]);

const credentials = {
  'API key': { 'x-api-key': key },
  'session token': { authorization: `Bearer ${token}` },
};
const json = { 'content-type': 'application/json' };
const getExecution = JSON.stringify({ engine: ENGINE, command: 'get_execution', execution_id: execution.id });
interface Scenario {
  name: string;
  platform: Request;
  bare: Request;
}
const scenarios: Scenario[] = Object.entries(credentials).flatMap(([credential, auth]): Scenario[] => [
  {
    name: `GET /v1/blobs/:id (${credential})`,
    platform: { url: `${api}/v1/blobs/${blobId}`, method: 'GET', headers: auth },
    bare: { url: `${bareUrl}/blobs/${blobId}`, method: 'GET', headers: auth },
  },
  {
    name: `GET /v1/orgs/:org/blobs, 20 blobs (${credential})`,
    platform: { url: `${api}/v1/orgs/${orgId}/blobs`, method: 'GET', headers: auth },
    bare: { url: `${bareUrl}/orgs/${orgId}/blobs`, method: 'GET', headers: auth },
  },
  {
    name: `get_execution, POST /v1/revisions/:id/data (${credential})`,
    platform: { url: `${api}/v1/revisions/${revisionId}/data`, method: 'POST', headers: { ...auth, ...json }, body: getExecution },
    bare: { url: `${bareUrl}/revisions/${revisionId}/data`, method: 'POST', headers: { ...auth, ...json }, body: getExecution },
  },
]);
scenarios.push({
  name: 'POST /v1/orgs/:org/blobs, create (session token)',
  platform: { url: `${api}/v1/orgs/${orgId}/blobs`, method: 'POST', headers: { ...credentials['session token'], ...json }, createBlob: true },
  bare: { url: `${bareUrl}/orgs/${orgId}/blobs`, method: 'POST', headers: { ...credentials['session token'], ...json }, createBlob: true },
});

/** The round of median throughput, with its own latencies. */
const medianRound = (results: LoadResult[]) => [...results].sort((a, b) => a.rps - b.rps)[Math.floor(results.length / 2)]!;

const fmt = (r: LoadResult) =>
  `${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms  CPU ${r.cpuUs.toFixed(0).padStart(5)} µs/request`;
console.log(
  `\nBlobHub REST API vs bare node:http running the same SQL (${connections} connections, median of ${rounds} alternating rounds of ${seconds} s, ${os.cpus().length} cores)`,
);
console.log(`load average at start: ${loadAverage()}\n`);
try {
  for (const s of scenarios.filter((s) => !only || s.name.includes(only))) {
    await load(s.platform, 1);
    await load(s.bare, 1);
    const results: { platform: LoadResult[]; bare: LoadResult[] } = { platform: [], bare: [] };
    for (let round = 0; round < rounds; round++) {
      for (const side of ['platform', 'bare'] as const) {
        const r = await load(s[side]);
        if (r.errors || r.non2xx) throw new Error(`${s.name} (${side}): ${r.errors} errors, ${r.non2xx} non-2xx of ${r.total}`);
        results[side].push(r);
      }
    }
    const platformResult = medianRound(results.platform);
    const bareResult = medianRound(results.bare);
    console.log(s.name);
    console.log(`  platform  ${fmt(platformResult)}`);
    console.log(`  bare      ${fmt(bareResult)}`);
    const each = (rs: LoadResult[]) => rs.map((r) => r.rps.toFixed(0)).join(', ');
    const cpu = (rs: LoadResult[]) => median(rs.map((r) => r.cpuUs));
    console.log(`  rounds    platform ${each(results.platform)} req/s; bare ${each(results.bare)} req/s`);
    console.log(`  overhead  ${(bareResult.rps / platformResult.rps).toFixed(2)}× (bare req/s ÷ platform req/s)  load ${loadAverage()}`);
    console.log(
      `  CPU       ${(cpu(results.platform) / cpu(results.bare)).toFixed(2)}× (platform ÷ bare server-side CPU per request, medians of the rounds)\n`,
    );
  }
} finally {
  bare.close();
  await platform.shutdown();
}
