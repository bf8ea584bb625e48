/**
 * docker-compose.yml, as docker compose itself reads it (no Docker engine needed for `config`):
 * the services exist with health checks and volumes, and the API/worker environment is one
 * that BlobHub's own config module accepts.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: { type: string; source: string }[];
  depends_on?: Record<string, { condition: string }>;
}

const root = path.resolve(import.meta.dirname, '../..');

function composeConfig(env: Record<string, string> = {}) {
  const out = execFileSync('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), 'config', '--format', 'json'], {
    // scripts/install-services.sh puts the compose plugin under .tools/docker/cli-plugins
    env: { ...process.env, DOCKER_CONFIG: path.join(root, '.tools/docker'), ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
}

describe('docker-compose.yml', () => {
  const { services, volumes } = composeConfig();

  it('runs PostgreSQL, Temporal with its UI, MinIO, the API and the worker as separate services with health checks', () => {
    for (const name of ['postgres', 'temporal', 'temporal-ui', 'minio', 'api', 'worker']) {
      expect(services[name], name).toBeDefined();
      expect(services[name]?.healthcheck?.test.length, `${name} health check`).toBeGreaterThan(0);
    }
    expect(services.api?.command).toEqual(['npx', 'tsx', 'apps/api/main.ts']);
    expect(services.worker?.command).toEqual(['npx', 'tsx', 'apps/worker/main.ts']);
    expect(services.api?.environment?.BLOBHUB_RUN_WORKER).toBe('false');
    expect(services.worker?.depends_on?.api?.condition).toBe('service_healthy');
    expect(services.api?.depends_on?.['temporal-setup']?.condition).toBe('service_completed_successfully');
  });

  it('keeps every stateful service on a named volume', () => {
    const volumeOf = (name: string) => services[name]?.volumes?.find((v) => v.type === 'volume')?.source;
    expect(['postgres', 'temporal', 'minio', 'api', 'worker'].map(volumeOf)).toEqual([
      'postgres-data',
      'temporal-config',
      'minio-data',
      'blobhub-data',
      'blobhub-data',
    ]);
    expect(Object.keys(volumes).sort()).toEqual(['blobhub-data', 'minio-data', 'postgres-data', 'temporal-config']);
  });

  it('wires the API and the worker with an environment BlobHub accepts', () => {
    for (const name of ['api', 'worker']) {
      const config = loadConfig(services[name]?.environment ?? {});
      expect(config).toMatchObject({
        BLOBHUB_DATABASE_URL: 'postgres://blobhub:blobhub@postgres:5432/blobhub',
        BLOBHUB_TEMPORAL_ADDRESS: 'temporal:7233',
        BLOBHUB_S3_ENDPOINT: 'http://minio:9000',
        BLOBHUB_S3_ACCESS_KEY_ID: 'blobhub',
        dataDir: '/data',
      });
    }
  });

  it('passes secrets and the admin bootstrap through from the environment', () => {
    const secrets = {
      BLOBHUB_SECRET_KEY: 'a'.repeat(64),
      BLOBHUB_ADMIN_EMAIL: 'ops@example.com',
      BLOBHUB_ADMIN_PASSWORD: 'correct-horse',
      BLOBHUB_ADMIN_API_KEY: 'bhk_0123456789abcdefghij',
      POSTGRES_PASSWORD: 'pg-secret',
    };
    const config = loadConfig(composeConfig(secrets).services.api?.environment ?? {});
    expect(config).toMatchObject({
      BLOBHUB_SECRET_KEY: secrets.BLOBHUB_SECRET_KEY,
      BLOBHUB_ADMIN_EMAIL: secrets.BLOBHUB_ADMIN_EMAIL,
      BLOBHUB_ADMIN_PASSWORD: secrets.BLOBHUB_ADMIN_PASSWORD,
      BLOBHUB_ADMIN_API_KEY: secrets.BLOBHUB_ADMIN_API_KEY,
      BLOBHUB_DATABASE_URL: 'postgres://blobhub:pg-secret@postgres:5432/blobhub',
    });
  });
});
