/**
 * Issue 27, logs and metrics, as an operator sees them: an API process and a standalone worker
 * process (JSON logs at debug level, stdout captured) run an execution whose http.request uses a
 * credential against a server that answers 500 with the request's headers echoed. The secret never
 * appears in either process's output; every line about the execution carries its ids; the
 * worker's /metrics has the Temporal SDK's series and the API's the request metrics.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from '../support/client';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startApiProcess, startWorkerProcess, type BlobHubProcess } from '../support/processes';
import { comp, definition, ENGINE, flow, newWorkflowBlob, upload, waitForStatus } from '../support/workflow';

const SECRET = 'org-secret-logs-5c9e2a7b41';

let p: TestPlatform;
let api: BlobHubProcess;
let worker: BlobHubProcess;
let echo: http.Server;
const output = { api: '', worker: '' };

/** Answers 500 with every request header in the body: a careless error path would carry the credential along. */
function startEcho() {
  echo = http.createServer((req, res) => res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ headers: req.headers })));
  return new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
}

const capture = (process: BlobHubProcess, into: 'api' | 'worker') => process.child.stdout!.on('data', (chunk: Buffer) => (output[into] += chunk.toString()));

type LogLine = Record<string, unknown> & { msg: string; level: number };
const linesOf = (text: string): LogLine[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as LogLine);

beforeAll(async () => {
  await startEcho();
  p = await startTestPlatform({ worker: false });
  const env = { ...p.env, BLOBHUB_LOG_LEVEL: 'debug', BLOBHUB_LOG_FORMAT: 'json' };
  [api, worker] = await Promise.all([startApiProcess(env, { pipeStdout: true }), startWorkerProcess(env, { pipeStdout: true })]);
  capture(api, 'api');
  capture(worker, 'worker');
}, 180_000);

afterAll(async () => {
  await Promise.all([api?.terminate(), worker?.terminate()]);
  echo?.close();
  await p?.close();
});

/** Runs start → http.request (the org's credential, to the echo server) → end as the admin, with a request id of the test's choosing. */
async function runWithCredential(requestId: string) {
  const admin = new ApiClient(api.url!, { key: p.adminKey });
  const { blobId, revisionId } = await newWorkflowBlob(admin, 'logs');
  const org = (await admin.get('/orgs/logs')).body.org;
  const echoHost = `127.0.0.1:${(echo.address() as AddressInfo).port}`;
  const credential = await admin.post(`/orgs/${org.id}/credentials`, { alias: 'tok', type: 'bearer', body: { token: SECRET }, allowed_hosts: [echoHost] });
  expect(credential.status, JSON.stringify(credential.body)).toBe(200);
  const steps = [comp('s', 'flow.start'), comp('h', 'http.request', { url: `http://${echoHost}/fail`, credential: 'tok' }), comp('e', 'flow.end')];
  await upload(admin, revisionId, 'call', definition(steps, [flow('s', 'h'), flow('h', 'e')]));
  const created = await admin.request(
    'POST',
    `/revisions/${revisionId}/data`,
    { engine: ENGINE, command: 'create_execution', alias: 'call' },
    { 'x-request-id': requestId },
  );
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  expect(created.headers.get('x-request-id')).toBe(requestId);
  const execution = await waitForStatus(admin, revisionId, created.body.execution.id);
  return { orgId: org.id as string, blobId, revisionId, execution };
}

/** Waits until a process has written a line matching `match` (its lines arrive as it logs them). */
async function lineIn(into: 'api' | 'worker', match: (line: LogLine) => boolean) {
  await expect.poll(() => linesOf(output[into]).some(match), { timeout: 20_000 }).toBe(true);
}

it('logs JSON lines carrying the ids of the request and of the execution, and never the credential', async () => {
  const requestId = 'test-create-execution-1';
  const { orgId, blobId, execution } = await runWithCredential(requestId);
  expect(execution.status).toBe('failed');
  await lineIn('api', (line) => line.request_id === requestId && line.msg === 'request served');
  await lineIn('worker', (line) => line.execution_id === execution.id && line.msg === 'component attempt failed');

  // every line of both processes is JSON (linesOf throws otherwise); the secret is in none, nor on stderr
  const apiLines = linesOf(output.api);
  const workerLines = linesOf(output.worker);
  for (const text of [output.api, output.worker, api.stderrTail(), worker.stderrTail()]) expect(text).not.toContain(SECRET);

  // the create_execution request: every line it logged names the request, its org, blob and execution
  const requestLines = apiLines.filter((line) => line.request_id === requestId);
  expect(requestLines.length).toBeGreaterThan(0);
  for (const line of requestLines) expect(line).toMatchObject({ request_id: requestId, org_id: orgId, blob_id: blobId, execution_id: execution.id });

  // the worker: every line that mentions the execution carries its execution, workflow and run ids
  const executionLines = workerLines.filter((line) => JSON.stringify(line).includes(execution.id));
  expect(executionLines.map((line) => line.msg)).toEqual(expect.arrayContaining(['component attempt started', 'component attempt failed']));
  for (const line of executionLines)
    expect(line, line.msg).toMatchObject({ execution_id: execution.id, workflow_id: execution.id, run_id: expect.any(String) });
  const activityLines = executionLines.filter((line) => line.activity_type === 'http.request');
  expect(activityLines.length).toBeGreaterThan(0);
  for (const line of activityLines) expect(line).toMatchObject({ org_id: orgId, blob_id: blobId, run_id: execution.temporal.run_id });
});

it("serves the Temporal SDK's metrics on the worker's /metrics and request metrics on the API's", async () => {
  const workerMetrics = await (await fetch(`${worker.url}/metrics`)).text();
  // the worker has polled and completed workflow and activity tasks by now
  expect(workerMetrics).toMatch(/^temporal_workflow_task_execution_latency\S*\{/m);
  expect(workerMetrics).toMatch(/^temporal_activity_execution_latency\S*\{[^}]*activity_type="http.request"/m);
  expect(workerMetrics).toMatch(/^blobhub_sandbox_/m);

  const anonymous = new ApiClient(api.url!);
  expect((await anonymous.get('/users/me')).status).toBe(401);
  const apiMetrics = await (await fetch(`${api.url}/metrics`)).text();
  expect(apiMetrics).toMatch(/^blobhub_http_requests_total\{method="GET",route="\/v1\/users\/me",status="401"\} [1-9]/m);
  expect(apiMetrics).toMatch(/^blobhub_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/users\/me"/m);
  expect(apiMetrics).toMatch(/^blobhub_realtime_connections 0$/m);

  // the Grafana dashboard queries no BlobHub series that the API or the worker does not serve
  const dashboard = readFileSync(new URL('../../docs/grafana/blobhub.json', import.meta.url), 'utf8');
  // by metric family (`# TYPE` lines): a labelled histogram has no buckets before its first observation
  const queried = new Set(dashboard.match(/\bblobhub_[a-z0-9_]+/g)!.map((name) => name.replace(/_(bucket|sum|count)$/, '')));
  const served = new Set([...`${apiMetrics}\n${workerMetrics}`.matchAll(/^# TYPE (blobhub_[a-z0-9_]+) /gm)].map((match) => match[1]));
  expect(queried.size).toBeGreaterThan(5);
  expect([...queried].filter((name) => !served.has(name))).toEqual([]);
});
