/**
 * Long http.request components on real workers: a lost worker's request is retried on another
 * worker at the heartbeat timeout (not at the start-to-close timeout) with the same
 * Idempotency-Key, and a stopped execution aborts its request at once and records nothing after
 * it ended.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { workerPool } from '../../test/support/processes';
import { comp, data, definition, ENGINE, eventsOf, flow, newWorkflowBlob, start, upload, waitForStatus } from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;
let workers: ReturnType<typeof workerPool>;
let server: http.Server;
let baseUrl: string;

/** A request the test server received: its Idempotency-Key, and whether the client went away before an answer. */
interface Received {
  path: string;
  key: string | undefined;
  abandoned: Promise<boolean>;
}
const received: Received[] = [];
const arrivals: ((r: Received) => void)[] = [];

/** The next request the test server receives. */
const nextRequest = () => new Promise<Received>((resolve) => arrivals.push(resolve));

/**
 * `/hold` is never answered; `/hold-once` is held the first time and answered after; anything else
 * is answered at once. Each answer echoes the request's Idempotency-Key.
 */
function handle(req: http.IncomingMessage, res: http.ServerResponse) {
  const path = req.url ?? '/';
  const abandoned = new Promise<boolean>((resolve) => res.once('close', () => resolve(!res.writableFinished)));
  const request: Received = { path, key: req.headers['idempotency-key'] as string | undefined, abandoned };
  const earlier = received.filter((r) => r.path === path).length;
  received.push(request);
  for (const arrived of arrivals.splice(0)) arrived(request);
  if (path === '/hold' || (path === '/hold-once' && earlier === 0)) return;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ key: request.key ?? null }));
}

beforeAll(async () => {
  server = http.createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  p = await startTestPlatform({ worker: false });
  workers = workerPool(p.env);
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'acme'));
}, 180_000);

afterAll(async () => {
  await workers?.killAll();
  server?.closeAllConnections();
  server?.close();
  await p?.close();
});

/** A running worker for the stories that only need one. */
const aWorker = async () => workers.alive()[0] ?? workers.start();

/** start → h: http.request(url, extra config) → end, with h's body as the output. */
async function uploadCall(alias: string, url: string, config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  await upload(
    p.admin,
    rev,
    alias,
    definition(
      [comp('s', 'flow.start'), comp('h', 'http.request', { url, ...config }, extra), comp('e', 'flow.end')],
      [flow('s', 'h'), flow('h', 'e'), data('h', 'body', 'e')],
    ),
  );
}

it('retries a request whose worker was killed on another worker, long before its timeout, with the same Idempotency-Key', async () => {
  // ten minutes to run: only the heartbeat timeout can bring the retry within the wait below
  await uploadCall('killed', `${baseUrl}/hold-once`, {}, { timeout_ms: 600_000 });
  const first = await workers.start();
  const firstRequest = nextRequest();
  const execution = await start(p.admin, rev, 'killed');
  const held = await firstRequest;
  await workers.start();
  const retried = nextRequest();
  await first.kill();

  const retry = await retried;
  expect(retry.path).toBe('/hold-once');
  expect(held.key).toBe(`${execution.id}:h#1`);
  expect(retry.key).toBe(held.key);

  const done = await waitForStatus(p.admin, rev, execution.id, undefined, 120_000);
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  expect(done.output_data[0].value.json).toEqual({ key: held.key });
  const exited = (await eventsOf(p.admin, rev, execution.id)).filter((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'h');
  expect(exited).toHaveLength(1);
  expect(exited[0]?.attributes.attempt).toBe(2);
}, 300_000);

it('stops a running request when its execution is stopped: the server sees it aborted and nothing is recorded after the end', async () => {
  await aWorker();
  await uploadCall('stopped', `${baseUrl}/hold`, {}, { timeout_ms: 600_000 });
  const arrived = nextRequest();
  const execution = await start(p.admin, rev, 'stopped');
  const request = await arrived;

  expect((await p.admin.data(rev, ENGINE, 'stop_execution', { execution_id: execution.id })).status).toBe(200);
  expect(await request.abandoned).toBe(true);
  const done = await waitForStatus(p.admin, rev, execution.id, undefined, 60_000);
  expect(done.status).toBe('stopped');

  const events = await eventsOf(p.admin, rev, execution.id);
  expect(events.at(-1)?.type).toBe('execution_ended');
  expect(events.at(-1)?.attributes).toEqual({ status: 'cancelled' });
  const ofRequest = events.filter((e) => e.attributes?.processor_id === 'h').map((e) => e.type);
  expect(ofRequest).toEqual(['processor.entered']);
}, 180_000);

it('sends each visit of a component its own Idempotency-Key, and a key the flow sets as it is', async () => {
  await aWorker();
  // `a` runs twice: the code after it loops back once
  const again = "set_result(get_data_input('body').json.key.endsWith('#1') ? 'again' : 'done')";
  await upload(
    p.admin,
    rev,
    'keys',
    definition(
      [
        comp('s', 'flow.start'),
        comp('a', 'http.request', { url: `${baseUrl}/a` }),
        comp('c', 'logic.code', { code: again }),
        comp('b', 'http.request', { url: `${baseUrl}/b`, headers: { 'Idempotency-Key': 'order-42' } }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'a'), flow('a', 'c'), flow('c', 'a', 'again'), flow('c', 'b', 'done'), flow('b', 'e'), data('a', 'body', 'c'), data('b', 'body', 'e', 'b')],
    ),
  );
  const execution = await start(p.admin, rev, 'keys');
  const done = await waitForStatus(p.admin, rev, execution.id);
  expect(done.status, JSON.stringify(done.error)).toBe('completed');
  expect(received.filter((r) => r.path === '/a' && r.key?.startsWith(execution.id)).map((r) => r.key)).toEqual([`${execution.id}:a#1`, `${execution.id}:a#2`]);
  expect(done.output_data).toEqual([{ alias: 'b', value: { type: 'json', json: { key: 'order-42' } } }]);
}, 120_000);
