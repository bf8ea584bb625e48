/** A throwaway MinIO server for the test run (.tools/bin/minio, built by scripts/install-services.sh). */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProcess, toolPath, waitForPort, type ManagedProcess } from '../../apps/dev/processes';

export interface S3Server {
  endpoint: string;
  accessKeyId: string;
  secretAccessKey: string;
}

export async function startMinio(): Promise<S3Server & ManagedProcess> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-minio-'));
  const [port, consolePort] = [await freePort(), await freePort()];
  const credentials = { accessKeyId: 'blobhub-test', secretAccessKey: 'blobhub-test-secret' };
  const proc = startProcess(toolPath('minio'), ['server', dir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`, '--quiet'], {
    env: { MINIO_ROOT_USER: credentials.accessKeyId, MINIO_ROOT_PASSWORD: credentials.secretAccessKey, MINIO_BROWSER: 'off' },
  });
  await waitForPort(port, proc.child, 60_000, 'minio');
  return {
    ...proc,
    ...credentials,
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The BlobHub configuration that points the blob store at an S3 server and bucket. */
export function s3Env(server: S3Server, bucket: string) {
  return {
    BLOBHUB_S3_ENDPOINT: server.endpoint,
    BLOBHUB_S3_ACCESS_KEY_ID: server.accessKeyId,
    BLOBHUB_S3_SECRET_ACCESS_KEY: server.secretAccessKey,
    BLOBHUB_S3_BUCKET: bucket,
  };
}
