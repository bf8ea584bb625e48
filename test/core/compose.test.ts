/**
 * docker-compose.yml, as docker compose itself reads it (no Docker engine needed for `config`):
 * the services exist with health checks and volumes, and the API/worker environment is one
 * that BlobHub's own config module accepts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';

interface ComposeService {
  image?: string;
  profiles?: string[];
  ports?: { published?: string; host_ip?: string; target: number }[];
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  volumes?: { type: string; source: string }[];
  depends_on?: Record<string, { condition: string }>;
}

const root = path.resolve(import.meta.dirname, '../..');

function composeConfig(env: Record<string, string> = {}, profiles: string[] = []) {
  const profileArgs = profiles.flatMap((profile) => ['--profile', profile]);
  const out = execFileSync('docker', ['compose', '-f', path.join(root, 'docker-compose.yml'), ...profileArgs, 'config', '--format', 'json'], {
    // scripts/install-services.sh puts the compose plugin under .tools/docker/cli-plugins
    env: { ...process.env, DOCKER_CONFIG: path.join(root, '.tools/docker'), ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out) as { services: Record<string, ComposeService>; volumes: Record<string, unknown> };
}

describe('docker-compose.yml', () => {
  const { services, volumes } = composeConfig();

  it('runs PostgreSQL, Temporal, MinIO, the API and the worker as separate services with health checks', () => {
    for (const name of ['postgres', 'temporal', 'minio', 'api', 'worker']) {
      expect(services[name], name).toBeDefined();
      expect(services[name]?.healthcheck?.test.length, `${name} health check`).toBeGreaterThan(0);
    }
    // the compiled output (npm run build), with plain node
    expect(services.api?.command).toEqual(['node', '--enable-source-maps', 'dist/api.js']);
    expect(services.worker?.command).toEqual(['node', '--enable-source-maps', 'dist/worker.js']);
    expect(services.worker?.healthcheck?.test).toEqual(['CMD', 'node', 'dist/worker-healthcheck.js']);
    expect(services.api?.environment?.BLOBHUB_RUN_WORKER).toBe('false');
    expect(services.worker?.depends_on?.api?.condition).toBe('service_healthy');
    expect(services.api?.depends_on?.['temporal-setup']?.condition).toBe('service_completed_successfully');
  });

  it('keeps every stateful service on a named volume', () => {
    const volumeOf = (name: string) => services[name]?.volumes?.find((v) => v.type === 'volume')?.source;
    expect(['postgres', 'minio', 'api', 'worker'].map(volumeOf)).toEqual(['postgres-data', 'minio-data', 'blobhub-data', 'blobhub-data']);
    expect(Object.keys(volumes).sort()).toEqual(['blobhub-data', 'minio-data', 'postgres-data']);
  });

  it('sets Temporal up with the admin tools, not the deprecated auto-setup image, with production shards and retention', () => {
    expect(services.temporal?.image).toMatch(/^temporalio\/server:/);
    for (const name of ['temporal-schema', 'temporal-setup']) expect(services[name]?.image, name).toMatch(/^temporalio\/admin-tools:/);
    expect(Object.values(services).map((s) => s.image)).not.toContainEqual(expect.stringMatching(/auto-setup/));
    expect(services.temporal?.depends_on?.['temporal-schema']?.condition).toBe('service_completed_successfully');
    expect(services.temporal?.environment?.NUM_HISTORY_SHARDS).toBe('512');
    expect(services['temporal-setup']?.environment?.TEMPORAL_RETENTION).toBe('720h');
    const tuned = composeConfig({ TEMPORAL_HISTORY_SHARDS: '1024', TEMPORAL_RETENTION: '2160h' }).services;
    expect(tuned.temporal?.environment?.NUM_HISTORY_SHARDS).toBe('1024');
    expect(tuned['temporal-setup']?.environment?.TEMPORAL_RETENTION).toBe('2160h');
  });

  it('publishes only the API to the network; the Temporal UI is opt-in and on loopback', () => {
    const published = (all: Record<string, ComposeService>) =>
      Object.entries(all).flatMap(([name, s]) => (s.ports ?? []).map((p) => `${name} ${p.host_ip ?? '0.0.0.0'}:${p.published}`));
    expect(published(services).sort()).toEqual(['api 0.0.0.0:8080', 'minio 127.0.0.1:9000']);
    expect(services['temporal-ui']).toBeUndefined();
    const withUi = composeConfig({}, ['temporal-ui']).services;
    expect(withUi['temporal-ui']?.profiles).toEqual(['temporal-ui']);
    expect(published({ 'temporal-ui': withUi['temporal-ui']! })).toEqual(['temporal-ui 127.0.0.1:8233']);
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

  it('passes tracing and a secured Temporal (TLS, mTLS, API key) through to the API and the worker', () => {
    // the certificate files as a docker-compose.override.yml would mount them
    const dir = mkdtempSync(path.join(tmpdir(), 'blobhub-compose-tls-'));
    const pem = (name: string) => {
      writeFileSync(path.join(dir, name), `-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n`);
      return path.join(dir, name);
    };
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer collector-token',
      BLOBHUB_TEMPORAL_ADDRESS: 'temporal.example.internal:7233',
      BLOBHUB_TEMPORAL_NAMESPACE: 'blobhub-prod',
      BLOBHUB_TEMPORAL_TLS_CA_FILE: pem('ca.pem'),
      BLOBHUB_TEMPORAL_TLS_CERT_FILE: pem('client.pem'),
      BLOBHUB_TEMPORAL_TLS_KEY_FILE: pem('client.key'),
      BLOBHUB_TEMPORAL_TLS_SERVER_NAME: 'temporal.example.internal',
      BLOBHUB_TEMPORAL_API_KEY: 'temporal-api-key',
    };
    const { services: configured } = composeConfig(env);
    for (const [name, serviceName] of [
      ['api', 'blobhub-api'],
      ['worker', 'blobhub-worker'],
    ] as const) {
      const environment = configured[name]?.environment ?? {};
      // read by the OTLP exporter itself, not by BlobHub's config
      expect(environment.OTEL_EXPORTER_OTLP_HEADERS, name).toBe(env.OTEL_EXPORTER_OTLP_HEADERS);
      const config = loadConfig(environment);
      expect(config, name).toMatchObject({
        OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT,
        OTEL_SERVICE_NAME: serviceName,
        BLOBHUB_TEMPORAL_ADDRESS: env.BLOBHUB_TEMPORAL_ADDRESS,
        BLOBHUB_TEMPORAL_NAMESPACE: env.BLOBHUB_TEMPORAL_NAMESPACE,
        BLOBHUB_TEMPORAL_TLS_SERVER_NAME: env.BLOBHUB_TEMPORAL_TLS_SERVER_NAME,
        BLOBHUB_TEMPORAL_API_KEY: env.BLOBHUB_TEMPORAL_API_KEY,
      });
      expect([config.BLOBHUB_TEMPORAL_TLS_CA_FILE, config.BLOBHUB_TEMPORAL_TLS_CERT_FILE, config.BLOBHUB_TEMPORAL_TLS_KEY_FILE].map(String), name).toEqual([
        expect.stringContaining('BEGIN CERTIFICATE'),
        expect.stringContaining('BEGIN CERTIFICATE'),
        expect.stringContaining('BEGIN CERTIFICATE'),
      ]);
    }
    // unset, nothing of it: the bundled Temporal in plain gRPC, no tracing
    const plain = loadConfig(services.worker?.environment ?? {});
    expect([plain.BLOBHUB_TEMPORAL_TLS, plain.BLOBHUB_TEMPORAL_API_KEY, plain.OTEL_EXPORTER_OTLP_ENDPOINT]).toEqual([false, undefined, undefined]);
  });
});
