/**
 * One BlobHub per test file: its own PostgreSQL database on the run's server, its own Temporal
 * task queue and data dir, the real API server and (by default) a real worker.
 */
import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { launchPlatform, type LaunchedPlatform, type LaunchOptions } from './launch';

export interface TestPlatform extends LaunchedPlatform {
  databaseUrl: string;
}

export async function createDatabase(): Promise<string> {
  const serverUrl = inject('postgresUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  return serverUrl.replace(/\/postgres$/, `/${name}`);
}

export async function startTestPlatform(opts: Omit<LaunchOptions, 'databaseUrl' | 'temporal'> = {}): Promise<TestPlatform> {
  const databaseUrl = await createDatabase();
  const temporal = { address: inject('temporalAddress'), httpAddress: inject('temporalHttpAddress'), metricsAddress: inject('temporalMetricsAddress') };
  const platform = await launchPlatform({ databaseUrl, temporal, ...opts });
  return { ...platform, databaseUrl };
}
