/**
 * Starts a whole BlobHub in this process on given PostgreSQL and Temporal servers: its own data
 * dir, task queue and admin key, the real API server on a free port and (by default) a worker.
 * The test harness and the benchmarks both launch platforms this way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { apiExtensions } from '../../apps/api/extensions';
import { startApiServer } from '../../apps/api/server';
import { freePort } from '../../apps/dev/processes';
import { startWorker, type RunningWorker } from '../../apps/worker/worker';
import type { App } from '../../core/app';
import { loadConfig } from '../../core/config';
import { bootPlatform, type BootOptions } from '../../apps/platform';
import type { TemporalEndpoints } from '../../core/temporal';
import { ApiClient } from './client';

export interface LaunchedPlatform {
  app: App;
  url: string;
  adminKey: string;
  taskQueue: string;
  /** the environment the platform was configured with (e.g. for a second process) */
  env: PlatformEnv;
  admin: ApiClient;
  anonymous: ApiClient;
  /** a client with any credential */
  client(auth?: { key?: string; token?: string }): ApiClient;
  worker?: RunningWorker;
  close(): Promise<void>;
}

/** A platform's environment always names its data directory and instance admin. */
type PlatformEnv = Record<string, string> & Record<'BLOBHUB_DATA_DIR' | 'BLOBHUB_ADMIN_EMAIL' | 'BLOBHUB_ADMIN_PASSWORD' | 'BLOBHUB_ADMIN_API_KEY', string>;

export interface LaunchOptions {
  databaseUrl: string;
  /** the Temporal server's endpoints; those besides the gRPC address are closed to http.request */
  temporal: TemporalEndpoints;
  worker?: boolean;
  env?: Record<string, string>;
  /** sees the first start's admin credentials (e.g. the set-up link when no admin password is set) */
  onAdminCreated?: BootOptions['onAdminCreated'];
}

export async function launchPlatform(opts: LaunchOptions): Promise<LaunchedPlatform> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-'));
  const port = await freePort();
  const adminKey = `bhk_${randomBytes(24).toString('base64url')}`;
  const taskQueue = `q-${randomBytes(6).toString('hex')}`;
  const env: PlatformEnv = {
    BLOBHUB_DATA_DIR: dataDir,
    BLOBHUB_DATABASE_URL: opts.databaseUrl,
    BLOBHUB_TEMPORAL_ADDRESS: opts.temporal.address,
    ...(opts.temporal.httpAddress && { BLOBHUB_TEMPORAL_HTTP_ADDRESS: opts.temporal.httpAddress }),
    ...(opts.temporal.metricsAddress && { BLOBHUB_TEMPORAL_METRICS_ADDRESS: opts.temporal.metricsAddress }),
    BLOBHUB_TEMPORAL_TASK_QUEUE: taskQueue,
    BLOBHUB_HTTP_PORT: String(port),
    BLOBHUB_PUBLIC_URL: `http://127.0.0.1:${port}`,
    BLOBHUB_SECRET_KEY: randomBytes(32).toString('hex'),
    BLOBHUB_ADMIN_EMAIL: 'admin@example.com',
    BLOBHUB_ADMIN_PASSWORD: 'admin-password',
    BLOBHUB_ADMIN_API_KEY: adminKey,
    // http.request in tests and benchmarks calls fake servers on this machine
    BLOBHUB_HTTP_ALLOW_HOSTS: '127.0.0.1,localhost',
    // tests and benchmarks send far more than a client would; the rate-limit tests set their own
    BLOBHUB_RATE_LIMIT_KEY_PER_MINUTE: '0',
    BLOBHUB_RATE_LIMIT_ORG_PER_MINUTE: '0',
    ...opts.env,
  };
  const app = await bootPlatform(loadConfig(env), { onAdminCreated: opts.onAdminCreated });
  const worker = opts.worker === false ? undefined : await startWorker(app);
  const api = await startApiServer(app, { port, host: '127.0.0.1', extensions: await apiExtensions(app) });
  const client = (auth: { key?: string; token?: string } = {}) => new ApiClient(api.url, auth);
  return {
    app,
    url: api.url,
    adminKey: env.BLOBHUB_ADMIN_API_KEY,
    taskQueue,
    env,
    admin: client({ key: env.BLOBHUB_ADMIN_API_KEY }),
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
