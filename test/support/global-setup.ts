/**
 * Starts the real services once per test run: PostgreSQL and the Temporal dev server (and MinIO
 * once the ONNX engine needs it). Test files get their addresses through `inject`.
 */
import type { TestProject } from 'vitest/node';
import { startTemporalDevServer } from '../../apps/dev/temporal';
import { startPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    temporalAddress: string;
  }
}

export default async function setup(project: TestProject) {
  const [postgres, temporal] = await Promise.all([startPostgres(), startTemporalDevServer({ headless: true })]);
  project.provide('postgresUrl', postgres.url);
  project.provide('temporalAddress', temporal.address);
  return async () => {
    await Promise.all([postgres.stop(), temporal.stop()]);
  };
}
