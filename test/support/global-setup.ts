/**
 * Starts the real services once per test run: PostgreSQL and the Temporal dev server (and MinIO
 * once the ONNX engine needs it). Test files get their addresses through `inject`.
 */
import type { TestProject } from 'vitest/node';
import { startTemporalDevServer } from '../../apps/dev/temporal';
import { startMinio, type S3Server } from './minio';
import { startPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresUrl: string;
    temporalAddress: string;
    /** the dev server's HTTP API and metrics (host:port), which http.request must not reach */
    temporalHttpAddress: string;
    temporalMetricsAddress: string;
    s3: S3Server;
  }
}

export default async function setup(project: TestProject) {
  const [postgres, temporal, minio] = await Promise.all([startPostgres(), startTemporalDevServer({ headless: true }), startMinio()]);
  project.provide('postgresUrl', postgres.url);
  project.provide('temporalAddress', temporal.address);
  project.provide('temporalHttpAddress', temporal.httpAddress);
  project.provide('temporalMetricsAddress', temporal.metricsAddress);
  project.provide('s3', { endpoint: minio.endpoint, accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey });
  return async () => {
    await Promise.all([postgres.stop(), temporal.stop(), minio.stop()]);
  };
}
