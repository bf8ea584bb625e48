/**
 * The compiled server (`npm run build` → dist/) as production runs it: the compose topology as
 * processes on this machine (an API process and a worker process on PostgreSQL, Temporal and
 * MinIO, plain node, no tsx), running an execution through REST; and the Docker image's runtime
 * stage, which must carry what that compiled output needs and nothing that is only for building.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../apps/dev/processes';
import { ApiClient } from '../support/client';
import { s3Env } from '../support/onnx-client';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { startApiProcess, startWorkerProcess, type BlobHubProcess } from '../support/processes';
import { comp, definition, eventsOf, fibonacciDefinition, flow, integer, newWorkflowBlob, run, start, upload, waitForStatus } from '../support/workflow';

const dist = path.join(repoRoot, 'dist');
const packageJson = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

let p: TestPlatform;
let api: BlobHubProcess;
let worker: BlobHubProcess;

beforeAll(async () => {
  // the server part of `npm run build` (the web app is not needed here), so this file tests the code as it is now
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'pipe' });
  p = await startTestPlatform({ worker: false, env: s3Env() });
  [api, worker] = await Promise.all([startApiProcess(p.env, { compiled: true }), startWorkerProcess(p.env, { compiled: true })]);
}, 240_000);
afterAll(async () => {
  await Promise.all([api?.stop(), worker?.stop()]);
  await p?.close();
});

describe('the compiled API and worker', () => {
  it('serve REST and run an execution, its logic.code in a compiled sandbox process', async () => {
    const client = new ApiClient(api.url!, { key: p.adminKey });
    expect((await client.get('/users/me')).status).toBe(200);
    const { revisionId } = await newWorkflowBlob(client, 'compiled');
    await upload(client, revisionId, 'fib', fibonacciDefinition());
    const execution = await run(client, revisionId, 'fib', [{ alias: 'n', value: integer(10) }]);
    expect(execution).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(55) }] });
    // the JavaScript sandbox runs the compiled entry too: no TypeScript loader in production
    const sandboxes = execFileSync('ps', ['-o', 'args=', '--ppid', String(worker.child.pid)], { encoding: 'utf8' })
      .trim()
      .split('\n');
    expect(sandboxes.length).toBeGreaterThan(0);
    for (const args of sandboxes) expect(args).toMatch(/--no-node-snapshot .*dist\/sandbox-process\.js/);
    expect(sandboxes.join('\n')).not.toContain('tsx');
  });

  it('a worker told to stop (SIGTERM) finishes the activity it is running; another worker carries the execution on', async () => {
    const client = new ApiClient(api.url!, { key: p.adminKey });
    const slow = await slowServer(3000);
    try {
      const { revisionId } = await newWorkflowBlob(client, 'draining');
      await upload(
        client,
        revisionId,
        'slow',
        definition([comp('s', 'flow.start'), comp('h', 'http.request', { url: slow.url }), comp('e', 'flow.end')], [flow('s', 'h'), flow('h', 'e')]),
      );
      const execution = await start(client, revisionId, 'slow');
      await slow.requested;
      const exited = new Promise<number | null>((resolve) => worker.child.once('exit', (code) => resolve(code)));
      worker.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      worker = await startWorkerProcess(p.env, { compiled: true });
      expect(await waitForStatus(client, revisionId, execution.id)).toMatchObject({ status: 'completed' });
      // answered once, by the activity the stopping worker finished: not cut off and retried
      expect(slow.hits()).toBe(1);
      const exits = (await eventsOf(client, revisionId, execution.id)).filter((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'h');
      expect(exits.map((e) => [e.attributes.route, e.attributes.attempt])).toEqual([['success', 1]]);
    } finally {
      slow.close();
    }
  });

  it('answer /readyz and /metrics as the image health check and Prometheus read them', async () => {
    const ready = await fetch(`${api.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', database: 'ok', temporal: 'ok' });
    expect(await (await fetch(`${api.url}/metrics`)).text()).toContain('blobhub_sandbox_');
  });
});

/** A local server that answers after `delayMs`; `requested` resolves when the first request arrives. */
async function slowServer(delayMs: number) {
  let hits = 0;
  let arrived: () => void = () => {};
  const requested = new Promise<void>((resolve) => (arrived = resolve));
  const server = http.createServer((_req, res) => {
    hits++;
    arrived();
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}'), delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow`, requested, hits: () => hits, close: () => server.close() };
}

/** The Dockerfile's stages by name, each with its instructions (continuation lines joined). */
function dockerfileStages() {
  const lines = readFileSync(path.join(repoRoot, 'Dockerfile'), 'utf8')
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .filter((line) => line.trim() && !line.startsWith('#'));
  const stages = new Map<string, string[]>();
  let current: string[] = [];
  for (const line of lines) {
    const from = /^FROM \S+ AS (\S+)/.exec(line);
    if (from) stages.set(from[1]!, (current = []));
    current.push(line);
  }
  return stages;
}

/** The packages the compiled bundles import (their bare specifiers), Node's built-ins aside. */
function packagesImportedBy(files: string[]) {
  const specifiers = files.flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/^import\s[^;]*?from\s*"([^"]+)";|\bimport\("([^"./][^"]*)"\)/gm)].map((m) => m[1] ?? m[2]!),
  );
  const packageOf = (s: string) =>
    s
      .split('/')
      .slice(0, s.startsWith('@') ? 2 : 1)
      .join('/');
  const builtins = new Set(builtinModules);
  return [...new Set(specifiers.filter((s) => !s.startsWith('node:') && !s.startsWith('.') && !builtins.has(s)).map(packageOf))].sort();
}

describe('the Docker image', () => {
  const stages = dockerfileStages();
  const runtime = stages.get('runtime') ?? [];

  it('builds in one stage and runs from a runtime stage with production dependencies only, as a non-root user', () => {
    expect([...stages.keys()]).toEqual(['build', 'production-deps', 'runtime']);
    expect(stages.get('build')).toContain('RUN npm run build');
    expect(stages.get('production-deps')?.some((l) => l.startsWith('RUN npm ci --omit=dev'))).toBe(true);
    expect(runtime).toContain('COPY --from=production-deps /app/node_modules ./node_modules');
    const user = runtime.filter((l) => l.startsWith('USER ')).at(-1);
    expect(user).toBe('USER node');
    expect(runtime.find((l) => l.startsWith('HEALTHCHECK'))).toContain('/readyz');
    expect(runtime.join('\n')).not.toMatch(/\btsx\b/);
  });

  it('copies and starts files the build makes or the repository has', () => {
    const cmd = JSON.parse(runtime.find((l) => l.startsWith('CMD '))!.slice(4)) as string[];
    expect(cmd.slice(0, 1)).toEqual(['node']);
    expect(existsSync(path.join(repoRoot, cmd.at(-1)!)), cmd.at(-1)).toBe(true);
    for (const line of runtime.filter((l) => l.startsWith('COPY '))) {
      const [source] = line.replace(/^COPY (--\S+ )*/, '').split(' ');
      // from the build stage: made by `npm run build` (the web app's part is built by the test line before the suite)
      const made = line.includes('--from=build') ? source!.replace(/^\/app\//, '') : source!;
      if (!line.includes('--from=production-deps') && !made.startsWith('apps/web/dist')) expect(existsSync(path.join(repoRoot, made)), line).toBe(true);
    }
    for (const file of ['api.js', 'worker.js', 'cli.js', 'sandbox-thread.js', 'sandbox-process.js', 'worker-healthcheck.js', 'workflow-bundle.js']) {
      expect(existsSync(path.join(dist, file)), file).toBe(true);
    }
  });

  it('needs no development dependency at runtime: every package the compiled output imports is a production dependency', () => {
    const bundles = readdirSync(dist)
      .filter((f) => f.endsWith('.js') && f !== 'workflow-bundle.js')
      .map((f) => path.join(dist, f));
    const imported = packagesImportedBy(bundles);
    expect(imported.length).toBeGreaterThan(5);
    expect(imported.filter((name) => !(name in packageJson.dependencies))).toEqual([]);
    expect(packageJson.dependencies).not.toHaveProperty('tsx');
  });
});
