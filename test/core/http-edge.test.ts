/**
 * The API's HTTP edge as a client and an operator see it: responses compressed when (and only
 * when) the client asks, rate limits per API key and per organization answering 429 with
 * Retry-After and counted on /metrics, security headers, and a SIGTERM that lets a request in
 * flight and WebSocket clients end properly (the compiled API process, as the image runs it).
 */
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { repoRoot } from '../../apps/dev/processes';
import { ApiClient } from '../support/client';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startApiProcess, type BlobHubProcess } from '../support/processes';

const KEY_LIMIT = 20;
const ORG_LIMIT = 30;

/** without rate limits (the harness's default): the set-up requests of the tests go here */
let p: TestPlatform;
/** a second API process on the same database with small limits: the budgets are per process */
let limited: BlobHubProcess;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  limited = await startApiProcess({ ...p.env, BLOBHUB_RATE_LIMIT_KEY_PER_MINUTE: String(KEY_LIMIT), BLOBHUB_RATE_LIMIT_ORG_PER_MINUTE: String(ORG_LIMIT) });
});
afterAll(async () => {
  await limited?.stop();
  await p?.close();
});

/**
 * A GET with exactly these headers (fetch would add its own Accept-Encoding and decode the body),
 * on a connection of its own: no keep-alive socket the server may be closing at that moment.
 */
function rawGet(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      })
      .on('error', reject);
  });
}

/** A fresh credential with its own budgets: a new org and an org-scoped API key (admin role). */
async function orgKey(org: string): Promise<string> {
  const admin = new ApiClient(p.url, { key: p.adminKey });
  expect((await admin.post('/orgs', { name: org })).status).toBe(200);
  const created = await admin.post(`/orgs/${org}/api_keys`, { role: 'admin' });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.api_key.secret as string;
}

describe('compression', () => {
  it('sends REST answers and the OpenAPI document gzip or brotli as the client accepts, and plain to a client that does not', async () => {
    const plain = await rawGet(`${p.url}/v1/openapi.json`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    const document = JSON.parse(plain.body.toString());

    const gzip = await rawGet(`${p.url}/v1/openapi.json`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.vary).toMatch(/accept-encoding/i);
    expect(JSON.parse(gunzipSync(gzip.body).toString())).toEqual(document);
    expect(gzip.body.length).toBeLessThan(plain.body.length / 3);

    const br = await rawGet(`${p.url}/v1/openapi.json`, { 'accept-encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString())).toEqual(document);

    // a list big enough to be worth compressing, through the REST surface with a key
    const admin = new ApiClient(p.url, { key: p.adminKey });
    for (let i = 0; i < 20; i++) await admin.post('/orgs', { name: `compressed-${i}` });
    const orgs = await rawGet(`${p.url}/v1/orgs?limit=100`, { 'x-api-key': p.adminKey, 'accept-encoding': 'gzip, deflate, br' });
    expect(orgs.status).toBe(200);
    expect(orgs.headers['content-encoding']).toMatch(/^(br|gzip)$/);
    const identity = await rawGet(`${p.url}/v1/orgs?limit=100`, { 'x-api-key': p.adminKey, 'accept-encoding': 'identity' });
    expect(identity.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(identity.body.toString()).orgs.length).toBeGreaterThanOrEqual(20);
  });

  it('compresses the web app scripts and the docs, not a tiny answer', async () => {
    const docsScript = await rawGet(`${p.url}/docs/swagger-ui-bundle.js`, { 'accept-encoding': 'gzip' });
    expect(docsScript.headers['content-encoding']).toBe('gzip');
    const health = await rawGet(`${p.url}/healthz`, { 'accept-encoding': 'gzip' });
    expect(health.headers['content-encoding']).toBeUndefined();
    const page = await rawGet(`${p.url}/`);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(page.body.toString())![1];
    const plainScript = await rawGet(`${p.url}${asset}`);
    expect(plainScript.headers['content-encoding']).toBeUndefined();
    // the copies `npm run build` compressed at the highest levels, sent once (not compressed again)
    const br = await rawGet(`${p.url}${asset}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(brotliDecompressSync(br.body)).toEqual(plainScript.body);
    const gzip = await rawGet(`${p.url}${asset}`, { 'accept-encoding': 'gzip' });
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gzip.body)).toEqual(plainScript.body);
    expect(br.body.length).toBeLessThan(gzip.body.length);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After and the error envelope once a key has used its minute, and counts it on /metrics', async () => {
    const key = await orgKey('limited-key');
    const client = new ApiClient(limited.url!, { key });
    const statuses: number[] = [];
    for (let i = 0; i < KEY_LIMIT + 5; i++) statuses.push((await client.get('/orgs/limited-key')).status);
    expect(statuses.slice(0, KEY_LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(KEY_LIMIT)).toEqual([429, 429, 429, 429, 429]);

    const refused = await fetch(`${limited.url}/v1/orgs/limited-key`, { headers: { 'x-api-key': key } });
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(await refused.json()).toMatchObject({
      status: 'error',
      error: 'rate_limited',
      details: { scope: 'key', limit_per_minute: KEY_LIMIT, retry_after_seconds: retryAfter },
    });
    // the tRPC surface shares the budget
    expect((await fetch(`${limited.url}/trpc/users.me`, { headers: { 'x-api-key': key } })).status).toBe(429);
    // another credential is not held back, nor are health and metrics
    expect((await new ApiClient(limited.url!, { key: p.adminKey }).get('/users/me')).status).toBe(200);
    expect((await fetch(`${limited.url}/healthz`, { headers: { 'x-api-key': key } })).status).toBe(200);
    const metrics = await (await fetch(`${limited.url}/metrics`)).text();
    expect(Number(/^blobhub_http_rate_limited_total\{scope="key"\} (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(7);
  });

  it('shares one budget among all the API keys of an organization', async () => {
    const first = await orgKey('limited-org');
    const admin = new ApiClient(p.url, { key: first });
    const others = await Promise.all([1, 2].map(async () => (await admin.post('/orgs/limited-org/api_keys', { role: 'read' })).body.api_key.secret as string));
    const statuses: number[] = [];
    // 3 keys × 12 requests: each key stays below its own 20, together they pass the org's 30
    for (let i = 0; i < 12; i++)
      for (const key of [first, ...others]) statuses.push((await new ApiClient(limited.url!, { key }).get('/orgs/limited-org')).status);
    expect(statuses.slice(0, ORG_LIMIT).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(ORG_LIMIT).every((s) => s === 429)).toBe(true);
    const res = await fetch(`${limited.url}/v1/orgs/limited-org`, { headers: { 'x-api-key': others[0]! } });
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await res.json()).toMatchObject({ error: 'rate_limited', details: { scope: 'org', limit_per_minute: ORG_LIMIT } });
  });
});

describe('security headers', () => {
  it('sends the web app with a content security policy, no sniffing, no referrer and no framing', async () => {
    const page = await fetch(`${p.url}/orgs/acme`);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    // not behind TLS: no HSTS (a browser would ignore it; a proxy could not undo it)
    expect(page.headers.get('strict-transport-security')).toBeNull();
  });

  it('sends HSTS once the request came over TLS through a proxy, and lets API answers load nothing', async () => {
    const behindTls = await fetch(`${p.url}/`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(behindTls.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    const api = await fetch(`${p.url}/v1/openapi.json`);
    expect(api.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('graceful shutdown (SIGTERM)', () => {
  it('finishes a request in flight, refuses new connections, closes WebSockets with 1001 and a reason, and exits 0', async () => {
    execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'pipe' });
    const api = await startApiProcess(p.env, { compiled: true });
    const url = new URL(api.url!);
    const socket = new WebSocket(`ws://${url.host}/v1/realtime`, { headers: { 'x-api-key': p.adminKey } });
    await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
    const wsClosed = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );

    // a request whose body is still on its way when the signal arrives, on a connection the
    // server has accepted already (it answered a first request on it)
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    await new Promise((resolve) => http.get(`${api.url}/healthz`, { agent }, (res) => res.resume().on('end', resolve)));
    const body = JSON.stringify({ name: 'made-during-shutdown' });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        `${api.url}/v1/orgs`,
        { agent, method: 'POST', headers: { 'x-api-key': p.adminKey, 'content-type': 'application/json', 'content-length': body.length } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode!, body: Buffer.concat(chunks).toString() }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        api.child.kill('SIGTERM');
        // new connections are refused once the server stopped listening; then the body completes
        void waitUntilRefused(api.url!).then(() => req.end(body.slice(5)));
      }, 500);
    });
    const exited = new Promise<number | null>((resolve) => api.child.once('exit', (code) => resolve(code)));

    expect(await wsClosed).toEqual({ code: 1001, reason: 'server shutting down' });
    const response = await answered;
    expect(response.status, response.body).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ org: { name: 'made-during-shutdown' } });
    expect(await exited).toBe(0);
  }, 120_000);
});

async function waitUntilRefused(url: string) {
  for (;;) {
    const refused = await fetch(`${url}/healthz`).then(
      () => false,
      () => true,
    );
    if (refused) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}
