/**
 * What the API's per-request observation costs: the same small handler (a few awaits, a JSON
 * answer) served bare and wrapped the way apps/api/routes.ts wraps every request (request id,
 * route label, log context, request metrics, a debug line filtered at info), then with tracing on
 * (a server span per request, exported in batches to a local OTLP sink). One process, same run;
 * the load generator is bench/api/load.ts in its own process.
 *
 *   npm run bench:observability     # BENCH_SECONDS=5 BENCH_CONNECTIONS=10
 */
import { execFile } from 'node:child_process';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { openApiDocument } from '../../apps/api/openapi';
import { observeRequest, requestIdOf, routeLabeller } from '../../apps/api/request-observation';
import { repoRoot } from '../../apps/dev/processes';
import { addLogContext, logger, withLogContext } from '../../core/log';
import { inServerSpan, startTracing } from '../../core/tracing';

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 10);
const PATH = '/v1/blobs/blb_01bench/revisions';

/** Stands in for a request's own work: a few awaits (as validation and a query would), a small JSON answer. */
async function handler(_req: IncomingMessage, res: ServerResponse) {
  for (let i = 0; i < 20; i++) await Promise.resolve();
  res.writeHead(200, { 'content-type': 'application/json' }).end('{"revisions":[],"cursor":null}');
}

const routeOf = routeLabeller(openApiDocument('http://127.0.0.1/v1').paths ?? {});

/** The handler wrapped as routes.ts wraps every request. */
function observed(req: IncomingMessage, res: ServerResponse) {
  const requestId = requestIdOf(req);
  res.setHeader('x-request-id', requestId);
  const route = routeOf((req.url ?? '/').split('?')[0]!);
  return withLogContext({ request_id: requestId }, () =>
    inServerSpan(`${req.method} ${route}`, req.headers, { 'http.route': route }, (endSpan) => {
      observeRequest(req, res, route, endSpan);
      addLogContext({ org_id: 'org_01bench', blob_id: 'blb_01bench' });
      logger.debug('handling');
      return handler(req, res);
    }),
  );
}

async function serve(fn: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<http.Server> {
  const server = http.createServer((req, res) => void fn(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const urlOf = (server: http.Server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}${PATH}`;

async function load(url: string): Promise<{ rps: number; p50: number; p99: number }> {
  const scenario = { url, method: 'GET', headers: {}, connections, durationSeconds: seconds };
  const { stdout } = await promisify(execFile)(
    path.join(repoRoot, 'node_modules/.bin/tsx'),
    [path.join(repoRoot, 'bench/api/load.ts'), JSON.stringify(scenario)],
    {
      encoding: 'utf8',
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as { rps: number; p50: number; p99: number };
}

const row = (name: string, r: { rps: number; p50: number; p99: number }) =>
  console.log(`${name.padEnd(34)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${String(r.p50).padStart(3)} ms  p99 ${String(r.p99).padStart(3)} ms`);

const bare = await serve(handler);
const wrapped = await serve(observed);
// alternating rounds, so that a change of load on the machine touches both sides alike
for (let round = 1; round <= 3; round++) {
  row(`bare handler (round ${round})`, await load(urlOf(bare)));
  row(`observed, tracing off (round ${round})`, await load(urlOf(wrapped)));
}

// tracing is process-wide once started: measured last, against a sink that accepts every export
const sink = await serve(async (req, res) => {
  req.resume();
  req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
const tracing = startTracing({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(sink.address() as AddressInfo).port}`, OTEL_SERVICE_NAME: 'bench' })!;
row('bare handler (tracing started)', await load(urlOf(bare)));
row('observed, tracing on', await load(urlOf(wrapped)));
await tracing.flush();
for (const server of [bare, wrapped, sink]) server.close();
