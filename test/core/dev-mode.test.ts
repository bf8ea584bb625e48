/**
 * `npm run dev`'s process (apps/dev/main.ts) on its embedded defaults: PGlite in the data dir,
 * the Temporal dev server as a child. Started twice on the same data dir to prove data persists.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, repoRoot } from '../../apps/dev/processes';
import { ApiClient } from '../support/client';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-dev-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function startDev(port: number, uiPort: number): Promise<{ child: ChildProcess; output: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'apps/dev/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      BLOBHUB_DATA_DIR: dataDir,
      BLOBHUB_HTTP_PORT: String(port),
      BLOBHUB_TEMPORAL_UI_PORT: String(uiPort),
      BLOBHUB_DATABASE_URL: '',
      BLOBHUB_TEMPORAL_ADDRESS: '',
      BLOBHUB_ADMIN_PASSWORD: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const deadline = Date.now() + 90_000;
  while (!output.includes('[blobhub] ready')) {
    if (child.exitCode !== null) throw new Error(`dev mode exited: ${output}`);
    if (Date.now() > deadline) throw new Error(`dev mode did not start: ${output}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, output };
}

async function stop(child: ChildProcess) {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
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
    const { child: first, output } = await startDev(port, uiPort);
    const temporalChildren = childrenOf(first.pid!);
    const setupLink = new RegExp(`http://localhost:${port}/setup\\?token=bhs_[\\w-]+`).exec(output);
    expect(setupLink, output).not.toBeNull();
    expect(temporalChildren.length).toBeGreaterThan(0);

    const credentials = readFileSync(path.join(dataDir, 'credentials.yaml'), 'utf8');
    const apiKey = /api_key: (bhk_\S+)/.exec(credentials)![1];
    const admin = new ApiClient(`http://127.0.0.1:${port}`, { key: apiKey });
    expect((await admin.get('/readyz')).body).toMatchObject({ database: 'ok', temporal: 'ok' });
    expect((await admin.post('/orgs', { name: 'persisted' })).status).toBe(200);
    const web = await fetch(`http://127.0.0.1:${port}/setup?token=x`);
    expect(web.status).toBe(200);
    expect(web.headers.get('content-type')).toMatch(/^text\/html/);

    expect(await stop(first)).toBe(0);
    for (const pid of temporalChildren) expect(alive(pid)).toBe(false);

    const { child: second, output: secondOutput } = await startDev(port, uiPort);
    expect(secondOutput).not.toContain('/setup?token=');
    try {
      const org = await admin.get('/orgs/persisted');
      expect(org.status).toBe(200);
      expect(org.body.org.name).toBe('persisted');
    } finally {
      expect(await stop(second)).toBe(0);
    }
  }, 240_000);
});
