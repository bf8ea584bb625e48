import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { workerPool } from '../../test/support/processes';
import {
  comp,
  data,
  definition,
  eventsOf,
  flow,
  newWorkflowBlob,
  start,
  startHitCounter,
  upload,
  waitForEvent,
  waitForStatus,
} from '../../test/support/workflow';

let p: TestPlatform;
let server: Awaited<ReturnType<typeof startHitCounter>>;
let baseUrl: string;
let workers: ReturnType<typeof workerPool>;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  workers = workerPool(p.env);
  server = await startHitCounter();
  baseUrl = server.url;
}, 180_000);

afterAll(async () => {
  await workers?.killAll();
  server?.close();
  await p?.close();
});

it('finishes an execution after its worker is killed with SIGKILL, recording every event once', async () => {
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'durable');
  await upload(
    p.admin,
    rev,
    'durable',
    definition(
      [
        comp('s', 'flow.start'),
        comp('before', 'http.request', { url: `${baseUrl}/before` }),
        comp('d', 'flow.delay', { seconds: 4 }),
        comp('after', 'http.request', { url: `${baseUrl}/after` }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'before'), flow('before', 'd'), flow('d', 'after'), flow('after', 'e'), data('after', 'body', 'e')],
    ),
  );
  const first = await workers.start();
  const execution = await start(p.admin, rev, 'durable');
  await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
  await first.kill();

  await workers.start();
  const done = await waitForStatus(p.admin, rev, execution.id, undefined, 60_000);
  expect(done.status).toBe('completed');
  expect(done.output_data[0].value.json).toEqual({ hits: 2 });
  expect(server.hits()).toBe(2);

  const events = await eventsOf(p.admin, rev, execution.id);
  const logical = events.map((e) => `${e.type}:${e.attributes?.processor_id ?? ''}`);
  expect(new Set(logical).size).toBe(logical.length);
  expect(logical).toEqual([
    'execution_started:',
    'flow.entered:',
    'processor.entered:s',
    'processor.exited:s',
    'processor.entered:before',
    'processor.exited:before',
    'processor.entered:d',
    'processor.exited:d',
    'processor.entered:after',
    'processor.exited:after',
    'processor.entered:e',
    'processor.exited:e',
    'flow.exited:',
    'execution_ended:',
  ]);
}, 150_000);
