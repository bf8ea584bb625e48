import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, eventsOf, flow, newWorkflowBlob, start, upload, waitForEvent, waitForStatus } from './testing';

let p: TestPlatform;
let server: http.Server;
let baseUrl: string;
let hits = 0;
const workers: ChildProcess[] = [];

/**
 * A standalone worker process (`npx tsx apps/worker/main.ts`) on the test platform's task queue,
 * in its own process group so that SIGKILL reaches the node process behind npx and tsx.
 */
async function startWorkerProcess(): Promise<ChildProcess> {
  const child = spawn('npx', ['tsx', 'apps/worker/main.ts'], { env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  workers.push(child);
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker polling')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output.slice(-2000)}`)));
  });
  return child;
}

const killGroup = (child: ChildProcess) => process.kill(-child.pid!, 'SIGKILL');

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  server = http.createServer((_req, res) => {
    hits++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ hits }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 180_000);

afterAll(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) killGroup(w);
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
  const first = await startWorkerProcess();
  const execution = await start(p.admin, rev, 'durable');
  await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
  const exited = new Promise((r) => first.once('exit', r));
  killGroup(first);
  await exited;

  await startWorkerProcess();
  const done = await waitForStatus(p.admin, rev, execution.id, undefined, 60_000);
  expect(done.status).toBe('completed');
  expect(done.output_data[0].value.json).toEqual({ hits: 2 });
  expect(hits).toBe(2);

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
