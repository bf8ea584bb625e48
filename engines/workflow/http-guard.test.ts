/**
 * http.request cannot reach internal addresses or the platform's own services: checked after DNS
 * resolution, on the address connected, and on every redirect hop; BLOBHUB_HTTP_ALLOW_HOSTS opens
 * named hosts. End to end through real executions against a fake server on this machine; the
 * internal ranges elsewhere are checked without connecting (no traffic leaves this machine).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { App } from '../../core/app';
import { loadConfig } from '../../core/config';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { fetch } from 'undici';
import { BlockedDestinationError, checkDestination, guardedDispatcher } from './components/http-guard';
import { comp, data, definition, ENGINE, flow, newWorkflowBlob, run, start, upload } from '../../test/support/workflow';
import { metricsSourceAddresses } from '../../core/metrics';

let p: TestPlatform;
let rev: string;
let server: http.Server;
let port: number;
const received: string[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    received.push(req.url ?? '/');
    if (req.url === '/redirect') return void res.writeHead(302, { location: `http://127.0.0.1:${port}/landed` }).end();
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  // the operator opens `localhost` by name, nothing else
  p = await startTestPlatform({ env: { BLOBHUB_HTTP_ALLOW_HOSTS: 'localhost' } });
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'acme'));
});
afterAll(async () => {
  server?.close();
  await p?.close();
});

let definitions = 0;
/** Runs start → http.request(url) → end (its status as output) and returns the ended execution. */
async function request(url: string) {
  const alias = `call-${++definitions}`;
  await upload(
    p.admin,
    rev,
    alias,
    definition(
      [comp('s', 'flow.start'), comp('h', 'http.request', { url }), comp('e', 'flow.end')],
      [flow('s', 'h'), flow('h', 'e'), data('h', 'status', 'e', 'status')],
    ),
  );
  return run(p.admin, rev, alias);
}

async function expectRefused(url: string, message: RegExp) {
  const before = received.length;
  const execution = await request(url);
  expect(execution.status).toBe('failed');
  expect(execution.error).toMatchObject({ component_id: 'h', component_type: 'http.request' });
  expect(execution.error.message).toMatch(message);
  return received.slice(before);
}

describe('http.request against this machine', () => {
  it('reaches a host the allow-list names', async () => {
    const execution = await request(`http://localhost:${port}/ok`);
    expect(execution.status, JSON.stringify(execution.error)).toBe('completed');
    expect(execution.output_data).toEqual([{ alias: 'status', value: { type: 'integer', integer: 200 } }]);
    expect(received).toContain('/ok');
  });

  it('refuses a loopback address literal, in its IPv4-mapped IPv6 form too, before anything is sent', async () => {
    expect(await expectRefused(`http://127.0.0.1:${port}/literal`, /refused to connect to 127\.0\.0\.1: 127\.0\.0\.1 is a loopback address/)).toEqual([]);
    expect(await expectRefused(`http://[::ffff:127.0.0.1]:${port}/mapped`, /refused to connect to ::ffff:7f00:1: 127\.0\.0\.1 is a loopback address/)).toEqual(
      [],
    );
  });

  it('checks every redirect hop: an allowed host redirecting to a loopback literal is refused', async () => {
    expect(await expectRefused(`http://localhost:${port}/redirect`, /refused to connect to 127\.0\.0\.1/)).toEqual(['/redirect']);
  });

  it("never reaches the platform's own services, even on an allowed host", async () => {
    const apiPort = new URL(p.url).port;
    await expectRefused(`http://localhost:${apiPort}/v1/orgs`, new RegExp(`:${apiPort} is one of the platform's own services`));
    const temporalPort = inject('temporalAddress').split(':')[1];
    await expectRefused(`http://localhost:${temporalPort}/`, new RegExp(`:${temporalPort} is one of the platform's own services`));
    const postgresPort = new URL(inject('postgresUrl')).port;
    await expectRefused(`http://localhost:${postgresPort}/`, /one of the platform's own services/);
  });
});

describe("Temporal's HTTP API, with the host Temporal runs on allow-listed", () => {
  /** a platform as the tests usually run it: 127.0.0.1 and localhost allow-listed */
  let q: TestPlatform;
  let attackerRev: string;
  let victim: { rev: string; executionId: string };
  const temporalApi = `http://${inject('temporalHttpAddress')}/api/v1/namespaces/default/workflows`;

  beforeAll(async () => {
    q = await startTestPlatform();
    const { revisionId } = await newWorkflowBlob(q.admin, 'victim');
    await upload(q.admin, revisionId, 'waits', definition([comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'go' })], [flow('s', 'w')]));
    victim = { rev: revisionId, executionId: (await start(q.admin, revisionId, 'waits')).id };
    ({ revisionId: attackerRev } = await newWorkflowBlob(q.admin, 'attacker'));
  });
  afterAll(() => q?.close());

  let calls = 0;
  /** The attacker's flow: one http.request (method, url); returns the ended execution. */
  async function attackerCall(method: string, url: string) {
    const alias = `attack-${++calls}`;
    await upload(q.admin, attackerRev, alias, definition([comp('s', 'flow.start'), comp('h', 'http.request', { method, url })], [flow('s', 'h')]));
    return run(q.admin, attackerRev, alias);
  }

  it("refuses to read or terminate another org's execution through it, while a server on 127.0.0.1 stays reachable", async () => {
    // the port is what it claims to be: Temporal's HTTP API answers with the victim's history
    expect((await fetch(`${temporalApi}/${victim.executionId}/history`)).status).toBe(200);

    for (const [method, path] of [
      ['GET', 'history'],
      ['POST', 'terminate'],
    ] as const) {
      const execution = await attackerCall(method, `${temporalApi}/${victim.executionId}/${path}`);
      expect(execution.status).toBe('failed');
      expect(execution.error).toMatchObject({ component_id: 'h', kind: 'blocked_destination' });
      expect(execution.error.message).toMatch(/one of the platform's own services/);
    }
    const metrics = await attackerCall('GET', `http://${inject('temporalMetricsAddress')}/metrics`);
    expect(metrics.error).toMatchObject({ kind: 'blocked_destination' });
    // nor the Temporal SDK's metrics exporter of the worker itself
    const [sdkMetrics] = metricsSourceAddresses();
    expect(sdkMetrics).toBeDefined();
    expect((await attackerCall('GET', `http://${sdkMetrics}/metrics`)).error).toMatchObject({ kind: 'blocked_destination' });

    const ordinary = await attackerCall('GET', `http://127.0.0.1:${port}/ordinary`);
    expect(ordinary.status, JSON.stringify(ordinary.error)).toBe('completed');
    expect(received).toContain('/ordinary');
    const stillWaiting = await q.admin.data(victim.rev, ENGINE, 'get_execution', { execution_id: victim.executionId });
    expect(stillWaiting.body.execution.status).toBe('running');
  });
});

describe('the default policy (no allow-list)', () => {
  /** the platform as configured without an allow-list */
  const closed = (): App => ({ ...p.app, config: { ...p.app.config, BLOBHUB_HTTP_ALLOW_HOSTS: loadConfig({}).BLOBHUB_HTTP_ALLOW_HOSTS } });

  it.each([
    ['127.0.0.1', /loopback/],
    ['::1', /loopback/],
    ['localhost', /loopback/],
    ['0.0.0.0', /unspecified/],
    ['::', /unspecified/],
    ['10.1.2.3', /private/],
    ['172.16.0.1', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /shared/],
    ['fc00::1', /private \(unique local\)/],
    ['169.254.10.1', /link-local/],
    ['fe80::1', /link-local/],
    ['224.0.0.1', /multicast/],
    ['ff02::1', /multicast/],
    ['::ffff:10.0.0.1', /10\.0\.0\.1 is a private/],
    ['::ffff:7f00:1', /127\.0\.0\.1 is a loopback/],
    ['::7f00:1', /127\.0\.0\.1 is a loopback/],
    ['::127.0.0.1', /127\.0\.0\.1 is a loopback/],
    ['::a00:1', /10\.0\.0\.1 is a private/],
    ['64:ff9b::7f00:1', /NAT64/],
    ['169.254.169.254', /cloud metadata/],
    ['fd00:ec2::254', /cloud metadata/],
    ['[fd00:ec2::254]', /cloud metadata/],
    ['metadata.google.internal', /cloud metadata/],
  ])('refuses %s', async (host, reason) => {
    await expect(checkDestination(closed(), host, 80)).rejects.toThrow(reason);
  });

  it('refuses, at connect time, a name that resolves to loopback, sending nothing', async () => {
    const before = received.length;
    // the app owns its dispatcher and closes it with itself
    const dispatcher = guardedDispatcher(closed());
    const error = await fetch(`http://localhost:${port}/resolved`, { dispatcher }).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.cause).toBeInstanceOf(BlockedDestinationError);
    expect((error?.cause as Error).message).toBe(
      'refused to connect to localhost: 127.0.0.1 is a loopback address; an operator can open it with BLOBHUB_HTTP_ALLOW_HOSTS',
    );
    expect(received.length).toBe(before);
  });

  it('lets a public address through (checked, not connected), and an allow-listed CIDR opens a private range', async () => {
    expect(await checkDestination(closed(), '93.184.215.14', 443)).toEqual([{ address: '93.184.215.14', family: 4 }]);
    const opened = {
      ...p.app,
      config: { ...p.app.config, BLOBHUB_HTTP_ALLOW_HOSTS: loadConfig({ BLOBHUB_HTTP_ALLOW_HOSTS: '10.20.0.0/16' }).BLOBHUB_HTTP_ALLOW_HOSTS },
    };
    expect(await checkDestination(opened, '10.20.3.4', 80)).toEqual([{ address: '10.20.3.4', family: 4 }]);
    await expect(checkDestination(opened, '10.21.0.1', 80)).rejects.toThrow(/private/);
  });

  it('refuses a malformed allow-list at start-up, naming the variable', () => {
    expect(() => loadConfig({ BLOBHUB_HTTP_ALLOW_HOSTS: 'localhost, not_a_host!' })).toThrow(/BLOBHUB_HTTP_ALLOW_HOSTS/);
  });
});
