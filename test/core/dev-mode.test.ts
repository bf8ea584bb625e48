/**
 * `npm run dev`'s process (apps/dev/main.ts) on its embedded defaults: PGlite in the data dir,
 * the Temporal dev server as a child. Started twice on the same data dir to prove data persists.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createServer, type Server } from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { clientHomeOf, credentialsFileOf } from '../../apps/dev/client-profile';
import { freePort, repoRoot } from '../../apps/dev/processes';
import { addModel } from '../support/onnx-models';
import { newModelBlob, uploadModel } from '../support/onnx-client';
import { ApiClient } from '../support/client';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-dev-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Dev processes still running; a failed test stops its own, so the next one finds the data dir free. */
const running = new Set<ChildProcess>();
afterEach(async () => {
  await Promise.all([...running].map((child) => stop(child)));
});

interface DevProcess {
  child: ChildProcess;
  output(): string;
}

/** apps/dev/main.ts as `npm run dev` runs it, on a data dir of the test's and the given settings. */
function spawnDev(env: Record<string, string>, dir = dataDir): DevProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/dev/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BLOBHUB_DATA_DIR: dir,
      BLOBHUB_DATABASE_URL: '',
      BLOBHUB_TEMPORAL_ADDRESS: '',
      BLOBHUB_HTTP_PORT: '',
      BLOBHUB_TEMPORAL_UI_PORT: '',
      BLOBHUB_ADMIN_PASSWORD: '',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  return { child, output: () => output };
}

async function ready(dev: DevProcess): Promise<ChildProcess> {
  const deadline = Date.now() + 90_000;
  while (!dev.output().includes('ready: API ')) {
    if (dev.child.exitCode !== null) throw new Error(`dev mode exited: ${dev.output()}`);
    if (Date.now() > deadline) throw new Error(`dev mode did not start: ${dev.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return dev.child;
}

async function startDev(port: number, uiPort: number): Promise<DevProcess> {
  const dev = spawnDev({ BLOBHUB_HTTP_PORT: String(port), BLOBHUB_TEMPORAL_UI_PORT: String(uiPort) });
  await ready(dev);
  return dev;
}

const exitCode = (child: ChildProcess) =>
  child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

/** The README's "Try it" commands as pasted, pointed at this test's port and data dir. */
function runReadmeTryIt(port: number): string {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const block = /## Try it[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('the README has no sh block under "## Try it"');
  const script = block.replaceAll('localhost:8080', `127.0.0.1:${port}`).replace(/(^|\s)\.blobhub\//gm, `$1${dataDir}/`);
  return execFileSync('bash', ['-euo', 'pipefail', '-c', script], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
}

/** Holds a port like another program would; a port something else holds already is just as taken. */
async function occupy(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => {
    server.once('error', () => resolve());
    server.listen(port, resolve);
  });
  return server;
}

async function stop(child: ChildProcess) {
  const exited = exitCode(child);
  child.kill('SIGINT');
  return exited;
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm run dev (embedded defaults)', () => {
  it('starts on PGlite and a child Temporal, prints the admin key and set-up link, stops cleanly and keeps its data', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const first = await startDev(port, uiPort);
    const temporalChildren = childrenOf(first.child.pid!);
    const setupLink = new RegExp(`http://localhost:${port}/setup\\?token=bhs_[\\w-]+`).exec(first.output());
    expect(setupLink, first.output()).not.toBeNull();
    expect(temporalChildren.length).toBeGreaterThan(0);

    // the profile file of BlobHub's published clients: owner-only, default profile, url with /v1
    const file = credentialsFileOf(clientHomeOf(dataDir));
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = parse(readFileSync(file, 'utf8')) as { default: string; profiles: Record<string, { key: string; url: string }> };
    const profile = credentials.profiles[credentials.default];
    expect(profile, 'the default profile').toBeDefined();
    const { key: apiKey, url } = profile!;
    expect(url).toMatch(new RegExp(`^http://(localhost|127\\.0\\.0\\.1):${port}/v1$`));
    const admin = new ApiClient(`http://127.0.0.1:${port}`, { key: apiKey });
    expect((await admin.get('/readyz')).body).toMatchObject({ database: 'ok', temporal: 'ok' });
    expect((await admin.post('/orgs', { name: 'persisted' })).status).toBe(200);
    const web = await fetch(`http://127.0.0.1:${port}/setup?token=x`);
    expect(web.status).toBe(200);
    expect(web.headers.get('content-type')).toMatch(/^text\/html/);

    const tryIt = runReadmeTryIt(port);
    expect(tryIt).toContain('fibonacci(10) = 55');
    expect(tryIt).toContain('admin@blobhub.local');
    // an ONNX model through the local store, processed by the in-process worker on PGlite
    const { revision } = await uploadModel(admin, (await newModelBlob(admin)).revisionId, addModel());
    expect(revision.status).toBe('ready');

    expect(await stop(first.child)).toBe(0);
    for (const pid of temporalChildren) expect(alive(pid)).toBe(false);

    const second = await startDev(port, uiPort);
    expect(second.output()).not.toContain('/setup?token=');
    const org = await admin.get('/orgs/persisted');
    expect(org.status).toBe(200);
    expect(org.body.org.name).toBe('persisted');
    expect(await stop(second.child)).toBe(0);
  }, 240_000);

  it('a second start on the same machine explains what is taken, or moves to free ports', async () => {
    const [port, uiPort] = [await freePort(), await freePort()];
    const { child: first } = await startDev(port, uiPort);
    const otherDir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-dev-other-'));
    const held = [await occupy(8080), await occupy(8233)];
    try {
      const sameDir = spawnDev({ BLOBHUB_HTTP_PORT: String(await freePort()), BLOBHUB_TEMPORAL_UI_PORT: String(await freePort()) });
      expect(await exitCode(sameDir.child)).toBe(1);
      expect(sameDir.output()).toContain(`data dir ${dataDir} is in use by another BlobHub dev process`);
      expect(sameDir.output()).toContain('BLOBHUB_DATA_DIR');

      const takenUi = spawnDev({ BLOBHUB_TEMPORAL_UI_PORT: String(uiPort) }, otherDir);
      expect(await exitCode(takenUi.child)).toBe(1);
      expect(takenUi.output()).toContain(`BLOBHUB_TEMPORAL_UI_PORT=${uiPort}: port ${uiPort} is in use`);

      const defaults = spawnDev({}, otherDir);
      const second = await ready(defaults);
      try {
        const movedApi = /port 8080 is in use; the API on (\d+) instead/.exec(defaults.output());
        const movedUi = /port 8233 is in use; the Temporal UI on (\d+) instead/.exec(defaults.output());
        expect(movedApi && movedUi, defaults.output()).toBeTruthy();
        expect((await new ApiClient(`http://127.0.0.1:${movedApi![1]}`).get('/healthz')).status).toBe(200);
        expect(defaults.output()).toContain(`UI at http://localhost:${movedUi![1]}`);
      } finally {
        expect(await stop(second)).toBe(0);
      }
    } finally {
      for (const server of held) server.close();
      expect(await stop(first)).toBe(0);
      rmSync(otherDir, { recursive: true, force: true });
    }
  }, 240_000);
});
