/**
 * One BlobHub per test file: its own PostgreSQL database, Temporal task queue and data dir, the
 * real API server on a free port and (by default) a real worker.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { apiExtensions } from '../../apps/api/extensions';
import { startApiServer } from '../../apps/api/server';
import { freePort } from '../../apps/dev/processes';
import { startWorker, type RunningWorker } from '../../apps/worker/worker';
import type { App } from '../../core/app';
import { loadConfig } from '../../core/config';
import { bootPlatform } from '../../core/platform';
import { ApiClient } from './client';

export interface TestPlatform {
  app: App;
  url: string;
  databaseUrl: string;
  taskQueue: string;
  env: Record<string, string>;
  admin: ApiClient;
  anonymous: ApiClient;
  /** a client with any credential */
  client(auth?: { key?: string; token?: string }): ApiClient;
  worker?: RunningWorker;
  close(): Promise<void>;
}

export async function createDatabase(): Promise<string> {
  const serverUrl = inject('postgresUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return serverUrl.replace(/\/postgres$/, `/${name}`);
}

export async function startTestPlatform(opts: { worker?: boolean; env?: Record<string, string> } = {}): Promise<TestPlatform> {
  const databaseUrl = await createDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-test-'));
  const port = await freePort();
  const adminKey = `bhk_${randomBytes(24).toString('base64url')}`;
  const taskQueue = `test-${randomBytes(6).toString('hex')}`;
  const env: Record<string, string> = {
    BLOBHUB_DATA_DIR: dataDir,
    BLOBHUB_DATABASE_URL: databaseUrl,
    BLOBHUB_TEMPORAL_ADDRESS: inject('temporalAddress'),
    BLOBHUB_TEMPORAL_TASK_QUEUE: taskQueue,
    BLOBHUB_HTTP_PORT: String(port),
    BLOBHUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
    BLOBHUB_SECRET_KEY: randomBytes(32).toString('hex'),
    BLOBHUB_ADMIN_EMAIL: 'admin@example.com',
    BLOBHUB_ADMIN_PASSWORD: 'admin-password',
    BLOBHUB_ADMIN_API_KEY: adminKey,
    ...opts.env,
  };
  const app = await bootPlatform(loadConfig(env));
  const worker = opts.worker === false ? undefined : await startWorker(app);
  const api = await startApiServer(app, { port, host: '127.0.0.1', extensions: await apiExtensions(app) });
  const client = (auth: { key?: string; token?: string } = {}) => new ApiClient(api.url, auth);
  return {
    app,
    url: api.url,
    databaseUrl,
    taskQueue,
    env,
    admin: client({ key: adminKey }),
    anonymous: client(),
    client,
    worker,
    async close() {
      await api.close();
      await worker?.stop();
      await app.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
