import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { logFormats, logLevels } from './log';

const hostnamePattern = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;

/** What an operator opens to http.request: hostnames as written in URLs, and addresses or CIDRs. */
const outboundAllowList = z
  .string()
  .default('')
  .transform((list) =>
    list
      .toLowerCase()
      .split(/[\s,]+/)
      .filter(Boolean),
  )
  .pipe(
    z.array(
      z
        .string()
        .refine(
          (entry) => hostnamePattern.test(entry) || ipaddr.isValid(entry) || ipaddr.isValidCIDR(entry),
          'each entry must be a hostname, an IP address or a CIDR',
        ),
    ),
  )
  .transform((entries) => ({
    hosts: entries.filter((entry) => !ipaddr.isValid(entry) && !ipaddr.isValidCIDR(entry)),
    ranges: entries.filter((entry) => ipaddr.isValid(entry) || ipaddr.isValidCIDR(entry)).map(rangeOf),
  }));

function rangeOf(entry: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (ipaddr.isValidCIDR(entry)) return ipaddr.parseCIDR(entry);
  const address = ipaddr.process(entry);
  return [address, address.kind() === 'ipv4' ? 32 : 128];
}

const hostPort = z.string().regex(/^[^\s:]+:\d+$/, 'must be host:port');

/** A PEM file (certificate or key) read at start, so that a wrong path or a non-PEM file stops start-up naming the variable. */
const pemFile = z.string().transform((file, ctx) => {
  try {
    const pem = readFileSync(path.resolve(file));
    if (/-----BEGIN [A-Z0-9 ]+-----/.test(pem.toString('latin1'))) return pem;
    ctx.addIssue({ code: 'custom', message: `${file} is not a PEM file` });
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` });
  }
  return z.NEVER;
});

/** Every setting BlobHub reads from the environment, validated once at start-up. */
const configSchema = z
  .object({
    BLOBHUB_DATA_DIR: z.string().default('.blobhub'),
    BLOBHUB_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    BLOBHUB_HTTP_HOST: z.string().default('0.0.0.0'),
    BLOBHUB_PUBLIC_URL: z.string().url().optional(),
    /** postgres://… for a PostgreSQL server; empty means the embedded PGlite database in the data dir. */
    BLOBHUB_DATABASE_URL: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
      .optional(),
    /** host:port of an existing Temporal frontend; empty means the dev server as a child process. */
    BLOBHUB_TEMPORAL_ADDRESS: hostPort.optional(),
    /**
     * host:port of Temporal's HTTP API, closed to http.request like its gRPC frontend and UI; default: the
     * dev server child's, else Temporal's host on Temporal's default HTTP port (7243)
     */
    BLOBHUB_TEMPORAL_HTTP_ADDRESS: hostPort.optional(),
    /** host:port where Temporal serves its Prometheus metrics, if it does (closed to http.request); default: the dev server child's */
    BLOBHUB_TEMPORAL_METRICS_ADDRESS: hostPort.optional(),
    /** TLS to the Temporal frontend (Temporal Cloud, a secured cluster); implied by any other TLS setting or an API key */
    BLOBHUB_TEMPORAL_TLS: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** the CA that signed the frontend's certificate (PEM file); default: the system's CAs */
    BLOBHUB_TEMPORAL_TLS_CA_FILE: pemFile.optional(),
    /** mTLS: the client certificate and its key (PEM files), both or neither */
    BLOBHUB_TEMPORAL_TLS_CERT_FILE: pemFile.optional(),
    BLOBHUB_TEMPORAL_TLS_KEY_FILE: pemFile.optional(),
    /** the name the frontend's certificate is checked against, when it is not the address's host */
    BLOBHUB_TEMPORAL_TLS_SERVER_NAME: z.string().regex(hostnamePattern, 'must be a hostname').optional(),
    /** a Temporal Cloud API key, sent as a bearer token (over TLS only) */
    BLOBHUB_TEMPORAL_API_KEY: z.string().min(1).optional(),
    BLOBHUB_TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
    BLOBHUB_TEMPORAL_TASK_QUEUE: z.string().min(1).default('blobhub'),
    /** where users open the Temporal UI; in dev mode, the child's UI (port BLOBHUB_TEMPORAL_UI_PORT, else 8233 or a free one) */
    BLOBHUB_TEMPORAL_UI_URL: z.string().url().optional(),
    BLOBHUB_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /** 32 bytes as 64 hex chars or base64; encrypts credential bodies at rest. Dev mode generates one. */
    BLOBHUB_SECRET_KEY: z.string().optional(),
    BLOBHUB_ADMIN_EMAIL: z.string().email().optional(),
    BLOBHUB_ADMIN_PASSWORD: z.string().min(8).optional(),
    BLOBHUB_ADMIN_API_KEY: z
      .string()
      .regex(/^bhk_[A-Za-z0-9_-]{16,}$/, 'must look like bhk_…')
      .optional(),
    BLOBHUB_OPEN_SIGNUP: z
      .enum(['true', 'false'])
      .default('false')
      .transform((v) => v === 'true'),
    /** how long an org invitation's link stays valid, unless its creator chose another time */
    BLOBHUB_INVITATION_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(7),
    /** smtp:// or smtps:// URL (credentials in it) of the server invitations are e-mailed through; unset: admins copy the link */
    BLOBHUB_SMTP_URL: z
      .string()
      .regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL')
      .optional(),
    /** the From address of those e-mails */
    BLOBHUB_SMTP_FROM: z.string().min(3).default('BlobHub <blobhub@localhost>'),
    BLOBHUB_ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
    BLOBHUB_REFRESH_TOKEN_TTL_SECONDS: z.coerce
      .number()
      .int()
      .positive()
      .default(30 * 24 * 3600),
    /** a standalone worker (`npm run worker`) serves /metrics and /readyz (its sandbox capacity) on this port */
    BLOBHUB_WORKER_HTTP_PORT: z.coerce.number().int().min(1).max(65535).optional(),
    /**
     * how long a stopping worker (SIGTERM: a deploy, a scale-in) lets running activities finish before
     * cancelling them; Temporal retries what is cancelled on another worker. Keep it below the
     * orchestrator's kill delay (Kubernetes 30 s; docker-compose.yml sets the worker's to 40 s)
     */
    BLOBHUB_WORKER_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
    /**
     * how long a stopping API process (SIGTERM) lets in-flight HTTP requests finish after it stops
     * accepting connections (WebSocket clients get a close frame at once); then it closes what is left
     */
    BLOBHUB_SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
    /** /v1 and /trpc requests one credential (API key, access token; an anonymous client by address) may make per minute, per API process; 0: no limit */
    BLOBHUB_RATE_LIMIT_KEY_PER_MINUTE: z.coerce.number().int().min(0).default(600),
    /** the same for all the API keys of one organization (org- and blob-scoped keys) together; 0: no limit */
    BLOBHUB_RATE_LIMIT_ORG_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
    /** activities one worker process runs at once (Temporal's default: 100); more wait on the task queue */
    BLOBHUB_WORKER_MAX_ACTIVITIES: z.coerce.number().int().min(1).max(10_000).optional(),
    BLOBHUB_RUN_WORKER: z
      .enum(['true', 'false'])
      .default('true')
      .transform((v) => v === 'true'),
    BLOBHUB_S3_ENDPOINT: z.string().url().optional(),
    BLOBHUB_S3_REGION: z.string().default('us-east-1'),
    BLOBHUB_S3_BUCKET: z.string().default('blobhub'),
    BLOBHUB_S3_ACCESS_KEY_ID: z.string().optional(),
    BLOBHUB_S3_SECRET_ACCESS_KEY: z.string().optional(),
    /** the S3 endpoint clients reach for presigned URLs, when it differs from BLOBHUB_S3_ENDPOINT */
    BLOBHUB_S3_PUBLIC_ENDPOINT: z.string().url().optional(),
    /** how long presigned upload part URLs stay valid; an upload left open longer is swept */
    BLOBHUB_ONNX_UPLOAD_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
    /** memory bound (bytes of model files) of the cached onnxruntime inference sessions */
    BLOBHUB_ONNX_SESSION_CACHE_BYTES: z.coerce
      .number()
      .int()
      .positive()
      .default(1024 * 1024 * 1024),
    /** sandbox threads for logic.code per worker process (default: min(4, cores)) */
    BLOBHUB_SANDBOX_THREADS: z.coerce.number().int().min(1).max(64).optional(),
    /** how many logic.code runs of one org may hold sandbox threads of a worker at once; the rest queue */
    BLOBHUB_SANDBOX_ORG_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
    /** a run whose time limit is above this is "long": long runs never take the last reserved threads */
    BLOBHUB_SANDBOX_LONG_RUN_MS: z.coerce.number().int().min(1).default(5000),
    /** threads kept for short runs, so that trivial components stay fast while long ones spin */
    BLOBHUB_SANDBOX_RESERVED_SHORT_THREADS: z.coerce.number().int().min(0).max(63).default(1),
    /** CPU niceness of the sandbox threads (Linux), so spinning code yields the cores to short work */
    BLOBHUB_SANDBOX_NICE: z.coerce.number().int().min(0).max(19).default(10),
    /** the operator's bound on a logic.code component's timeout_ms: the code is stopped at this time */
    BLOBHUB_SANDBOX_MAX_TIMEOUT_MS: z.coerce
      .number()
      .int()
      .min(100)
      .max(10 * 60_000)
      .default(60_000),
    /**
     * the operator's bound on a logic.code component's memory_mb (MiB of heap per run): a definition asking
     * for more is refused when uploaded or checked, and a stored one runs with this much
     */
    BLOBHUB_SANDBOX_MAX_MEMORY_MB: z.coerce.number().int().min(8).max(1024).default(256),
    /** largest single value (a component output, a session write) in bytes of JSON: above it, value_too_large */
    BLOBHUB_MAX_VALUE_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(8 * 1024 * 1024),
    /** largest total of the values one execution stores (bytes of JSON): above it, value_too_large */
    BLOBHUB_MAX_EXECUTION_DATA_BYTES: z.coerce
      .number()
      .int()
      .min(1024)
      .default(64 * 1024 * 1024),
    /** an execution's input_data / output_data carry values inline up to this many bytes in total; the rest by reference */
    BLOBHUB_EXECUTION_INLINE_BYTES: z.coerce
      .number()
      .int()
      .min(0)
      .max(1024 * 1024)
      .default(8 * 1024),
    /**
     * a workflow run continues as new (same execution, fresh Temporal history) at its next quiet point
     * once its history holds this many events, or earlier when Temporal suggests it. A worker that lost
     * its cache replays the whole run within one workflow task (10 s): 2,000 events replay in a few
     * seconds even on a loaded machine (bench:durability). Temporal's own limit, 51,200, bounds it.
     */
    BLOBHUB_WORKFLOW_HISTORY_EVENTS: z.coerce.number().int().min(100).max(50_000).default(2_000),
    /**
     * internal hosts http.request may reach although they are loopback, private or link-local:
     * hostnames, addresses or CIDRs, comma-separated (the platform's own services stay closed)
     */
    BLOBHUB_HTTP_ALLOW_HOSTS: outboundAllowList,
    /** how long cancel_execution waits for a workflow to stop by itself before it is terminated */
    BLOBHUB_CANCEL_GRACE_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 3600)
      .default(30),
    /** how long audit log entries are kept; the API's sweep removes older ones (docs/spec.md §3 "Audit log") */
    BLOBHUB_AUDIT_RETENTION_DAYS: z.coerce
      .number()
      .int()
      .min(1)
      .max(100 * 365)
      .default(365),
    /** how often the audit retention sweep runs */
    BLOBHUB_AUDIT_SWEEP_SECONDS: z.coerce
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .default(3600),
    /** how long an idempotency key of a create command returns its first result (and a different body with it is a 409) */
    BLOBHUB_IDEMPOTENCY_RETENTION_HOURS: z.coerce
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(24),
    BLOBHUB_LOG_LEVEL: z.enum(logLevels).default('info'),
    /** json (default) or pretty (readable lines; the default on a terminal outside NODE_ENV=production) */
    BLOBHUB_LOG_FORMAT: z.enum(logFormats).optional(),
    /** where traces go over OTLP/HTTP (e.g. http://collector:4318); none means no tracing at all */
    OTEL_EXPORTER_OTLP_ENDPOINT: z.string().url().optional(),
    /** the service name traces carry (default: blobhub-api, blobhub-worker or blobhub) */
    OTEL_SERVICE_NAME: z.string().min(1).optional(),
  })
  .superRefine((config, ctx) => {
    if (Boolean(config.BLOBHUB_TEMPORAL_TLS_CERT_FILE) !== Boolean(config.BLOBHUB_TEMPORAL_TLS_KEY_FILE))
      ctx.addIssue({
        code: 'custom',
        path: ['BLOBHUB_TEMPORAL_TLS_KEY_FILE'],
        message: 'mTLS needs both BLOBHUB_TEMPORAL_TLS_CERT_FILE and BLOBHUB_TEMPORAL_TLS_KEY_FILE',
      });
    if (usesTemporalTls(config) && !config.BLOBHUB_TEMPORAL_ADDRESS)
      ctx.addIssue({
        code: 'custom',
        path: ['BLOBHUB_TEMPORAL_ADDRESS'],
        message: 'TLS and API-key settings are for an existing Temporal: set its address (the dev server child speaks plain gRPC)',
      });
  });

export type Config = z.infer<typeof configSchema> & { dataDir: string };

/** Whether the connection to Temporal is TLS: asked for, or implied by a TLS file, a server name or an API key. */
export function usesTemporalTls(config: Pick<Config, `BLOBHUB_TEMPORAL_${'TLS' | 'TLS_CA_FILE' | 'TLS_CERT_FILE' | 'TLS_SERVER_NAME' | 'API_KEY'}`>): boolean {
  return Boolean(
    config.BLOBHUB_TEMPORAL_TLS ||
    config.BLOBHUB_TEMPORAL_TLS_CA_FILE ||
    config.BLOBHUB_TEMPORAL_TLS_CERT_FILE ||
    config.BLOBHUB_TEMPORAL_TLS_SERVER_NAME ||
    config.BLOBHUB_TEMPORAL_API_KEY,
  );
}

export class ConfigError extends Error {}

/** Parses the environment; a bad value throws a ConfigError naming the variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = configSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  return { ...parsed.data, dataDir: path.resolve(parsed.data.BLOBHUB_DATA_DIR) };
}
