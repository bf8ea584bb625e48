/** The web app's static files follow the disk: a rebuild or a deleted file never ends the server. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { webAppHandler } from '../../apps/api/web';

let dist: string;
let server: http.Server;
let url: string;

beforeAll(async () => {
  dist = mkdtempSync(path.join(os.tmpdir(), 'blobhub-dist-'));
  mkdirSync(path.join(dist, 'assets'));
  writeFileSync(path.join(dist, 'index.html'), '<script src="/assets/app-1.js"></script>');
  writeFileSync(path.join(dist, 'assets', 'app-1.js'), 'console.log(1)');
  const handler = webAppHandler(dist);
  server = http.createServer((req, res) => handler(req, res, new URL(req.url ?? '/', 'http://localhost'), () => res.writeHead(404).end('not found')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => {
  server?.close();
  rmSync(dist, { recursive: true, force: true });
});

it('serves what is on disk now: files deleted by a rebuild are 404s, the rebuilt ones are served, and the server lives on', async () => {
  expect(await (await fetch(`${url}/assets/app-1.js`)).text()).toBe('console.log(1)');
  rmSync(path.join(dist, 'assets', 'app-1.js'));
  rmSync(path.join(dist, 'index.html'));
  expect((await fetch(`${url}/assets/app-1.js`)).status).toBe(404);
  expect((await fetch(`${url}/orgs/acme`)).status).toBe(404);

  writeFileSync(path.join(dist, 'index.html'), '<script src="/assets/app-2.js"></script>');
  writeFileSync(path.join(dist, 'assets', 'app-2.js'), 'console.log(2)');
  expect(await (await fetch(`${url}/orgs/acme`)).text()).toContain('app-2.js');
  expect(await (await fetch(`${url}/assets/app-2.js`)).text()).toBe('console.log(2)');
});
