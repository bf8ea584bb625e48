/**
 * What every benchmark starts with: its own PostgreSQL and Temporal dev server (and MinIO when
 * asked, as the blob store in bucket `bench`), and one BlobHub launched on them exactly as the
 * tests launch it.
 */
import type { ManagedProcess } from '../../apps/dev/processes';
import { startTemporalDevServer } from '../../apps/dev/temporal';
import { launchPlatform, type LaunchedPlatform } from '../../test/support/launch';
import { s3Env, startMinio, type S3Server } from '../../test/support/minio';
import { startPostgres, type PostgresServer } from '../../test/support/postgres';

export interface BenchPlatform extends LaunchedPlatform {
  postgres: PostgresServer;
  temporalAddress: string;
  /** the Temporal dev server's process (its CPU is part of a benchmark's server-side cost) */
  temporalProcess: ManagedProcess;
  minio?: S3Server;
  /** stops the platform and every service it started */
  shutdown(): Promise<void>;
}

export async function startBenchPlatform(
  opts: {
    worker?: boolean;
    minio?: boolean;
    env?: Record<string, string>;
    temporalDynamicConfig?: Record<string, string | number | boolean>;
    postgresSettings?: Record<string, string>;
  } = {},
): Promise<BenchPlatform> {
  const [postgres, temporal, minio] = await Promise.all([
    startPostgres(opts.postgresSettings),
    startTemporalDevServer({ headless: true, dynamicConfig: opts.temporalDynamicConfig }),
    opts.minio ? startMinio() : undefined,
  ]);
  const platform = await launchPlatform({
    databaseUrl: postgres.url,
    temporal,
    worker: opts.worker,
    env: { ...(minio && s3Env(minio, 'bench')), ...opts.env },
  });
  return {
    ...platform,
    postgres,
    temporalAddress: temporal.address,
    temporalProcess: temporal,
    minio,
    async shutdown() {
      await platform.close();
      await Promise.all([postgres.stop(), temporal.stop(), minio?.stop()]);
    },
  };
}
