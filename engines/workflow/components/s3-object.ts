/**
 * s3.get_object / s3.put_object: read or write one object in the user's S3-compatible store
 * (AWS S3, MinIO, R2, …) through a stored credential {endpoint?, region?, access_key_id,
 * secret_access_key, session_token?, bucket?}. Requests go path-style to the endpoint only, over
 * sockets that connect to addresses http-guard allows (never the platform's own blob store), and
 * an object larger than one value (BLOBHUB_MAX_VALUE_BYTES) is refused before it is read.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException, type GetObjectCommandOutput } from '@aws-sdk/client-s3';
import { z } from 'zod';
import type { CredentialBody } from '../../../core/credentials';
import type { ValueObject } from '../model';
import { assertValueSize, primitiveOf } from '../values';
import { guardedLookup, openCredential, redactingSecrets, secretFieldsOf } from './credential-use';
import { ComponentError, type ComponentRunContext, type ComponentRunResult, type ComponentType } from './registry';

const DEFAULT_TIMEOUT_MS = 30_000;

const objectTarget = {
  /** alias of an S3 credential: {endpoint?, region?, access_key_id, secret_access_key, session_token?, bucket?} */
  credential: z.string().min(1).max(128),
  /** the credential's `bucket` when not set */
  bucket: z.string().min(3).max(63).optional(),
  /** the object's key; a `key` input overrides it */
  key: z.string().min(1).max(1024).optional(),
};

export const s3GetObjectConfig = z
  .object({
    ...objectTarget,
    /** how the body becomes the `body` output: text (UTF-8), json (parsed) or base64 (binary) */
    format: z.enum(['text', 'json', 'base64']).default('text'),
  })
  .strict();
type S3GetObjectConfig = z.infer<typeof s3GetObjectConfig>;

export const s3PutObjectConfig = z
  .object({
    ...objectTarget,
    content_type: z.string().min(1).max(256).optional(),
    /** base64: the `body` input is base64 text of binary content; utf8: a text input as is, any other value as JSON */
    encoding: z.enum(['utf8', 'base64']).default('utf8'),
  })
  .strict();
type S3PutObjectConfig = z.infer<typeof s3PutObjectConfig>;

const s3Credential = z.looseObject({
  endpoint: z.url({ protocol: /^https?$/ }).optional(),
  region: z.string().min(1).default('us-east-1'),
  access_key_id: z.string().min(1),
  secret_access_key: z.string().min(1),
  session_token: z.string().optional(),
  bucket: z.string().optional(),
});
type S3Credential = z.infer<typeof s3Credential>;

function s3CredentialOf(body: CredentialBody): S3Credential {
  const parsed = s3Credential.safeParse(body);
  if (!parsed.success)
    throw new ComponentError('the credential body needs access_key_id and secret_access_key (and optionally endpoint, region, bucket)', 'credential_invalid');
  return parsed.data;
}

/** AWS's own endpoint for the region when the credential names none. */
const endpointOf = (credential: S3Credential) => new URL(credential.endpoint ?? `https://s3.${credential.region}.amazonaws.com`);

interface Opened {
  client: S3Client;
  bucket: string;
  key: string;
  endpoint: URL;
}

/** The credential opened for its endpoint, and a client whose sockets reach only the checked addresses. */
async function openStore(ctx: ComponentRunContext<S3GetObjectConfig | S3PutObjectConfig>, secrets: string[]): Promise<Opened> {
  const { config, inputs } = ctx;
  const body = await openCredential(ctx, config.credential, (opened) => endpointOf(s3CredentialOf(opened)));
  secrets.push(...secretFieldsOf(body, ['access_key_id', 'secret_access_key', 'session_token']));
  const credential = s3CredentialOf(body);
  const bucket = config.bucket ?? credential.bucket;
  if (!bucket) throw new ComponentError('no bucket: set config.bucket or the credential bucket', 'invalid_request');
  const key = inputs.key ? String(primitiveOf(inputs.key)) : config.key;
  if (!key) throw new ComponentError('no key: set config.key or connect a key input', 'invalid_request');
  const endpoint = endpointOf(credential);
  const port = Number(endpoint.port) || (endpoint.protocol === 'https:' ? 443 : 80);
  const { lookup } = await guardedLookup(ctx, endpoint.hostname.replace(/^\[(.*)\]$/, '$1'), port);
  const timeoutMs = ctx.request.component.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const client = new S3Client({
    endpoint: endpoint.toString(),
    region: credential.region,
    // every request goes to the endpoint's host, the one allowed_hosts and the guard checked
    forcePathStyle: true,
    credentials: { accessKeyId: credential.access_key_id, secretAccessKey: credential.secret_access_key, sessionToken: credential.session_token },
    // retries are the component's `retry`, not the SDK's
    maxAttempts: 1,
    requestHandler: {
      httpAgent: new http.Agent({ lookup }),
      httpsAgent: new https.Agent({ lookup }),
      connectionTimeout: Math.min(timeoutMs, 10_000),
      requestTimeout: timeoutMs,
    },
  });
  return { client, bucket, key, endpoint };
}

/** The SDK's error as the user reads it: the store's code and status, or why the connection failed. */
function storeError(e: unknown, opened: Pick<Opened, 'bucket' | 'key' | 'endpoint'>): ComponentError {
  if (e instanceof ComponentError) return e;
  const where = `s3://${opened.bucket}/${opened.key} at ${opened.endpoint.host}`;
  if (e instanceof S3ServiceException) {
    const status = e.$metadata.httpStatusCode;
    const kind = status === 404 ? 'not_found' : status === 403 ? 'forbidden' : 'http_status';
    return new ComponentError(`${where}: ${e.name}${status ? ` (HTTP ${status})` : ''}: ${e.message}`, kind);
  }
  return new ComponentError(`${where}: ${(e as Error).message}`, 'network');
}

/** Runs one request with the store opened, mapping every failure to a ComponentError; the client is closed after. */
async function withStore(
  ctx: ComponentRunContext<S3GetObjectConfig | S3PutObjectConfig>,
  secrets: string[],
  request: (opened: Opened) => Promise<ComponentRunResult>,
): Promise<ComponentRunResult> {
  const opened = await openStore(ctx, secrets);
  try {
    return await request(opened);
  } catch (e) {
    throw storeError(e, opened);
  } finally {
    opened.client.destroy();
  }
}

/** The object's bytes, refused above one value's limit before they are read. */
async function bodyBytes(ctx: ComponentRunContext<S3GetObjectConfig>, out: GetObjectCommandOutput): Promise<Buffer> {
  if ((out.ContentLength ?? 0) > ctx.app.config.BLOBHUB_MAX_VALUE_BYTES && out.Body instanceof Readable) {
    // closed quietly here: left open, the client's shutdown would abort it with an 'error' nobody handles
    out.Body.destroy();
  }
  assertValueSize(ctx.app, 'the object', out.ContentLength ?? 0);
  const bytes = Buffer.from((await out.Body?.transformToByteArray()) ?? []);
  assertValueSize(ctx.app, 'the object', bytes.length);
  return bytes;
}

function bodyValue(format: S3GetObjectConfig['format'], bytes: Buffer): ValueObject {
  if (format === 'base64') return { type: 'text', text: bytes.toString('base64') };
  const text = bytes.toString('utf8');
  if (format === 'text') return { type: 'text', text };
  try {
    return { type: 'json', json: JSON.parse(text) as unknown };
  } catch (e) {
    throw new ComponentError(`the object is not JSON: ${(e as Error).message}`, 'invalid_response');
  }
}

const getObject = (ctx: ComponentRunContext<S3GetObjectConfig>, secrets: string[]) =>
  withStore(ctx, secrets, async ({ client, bucket, key }) => {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: ctx.signal });
    const bytes = await bodyBytes(ctx, out);
    const object = {
      bucket,
      key,
      size: bytes.length,
      content_type: out.ContentType ?? null,
      etag: out.ETag ?? null,
      last_modified: out.LastModified?.toISOString() ?? null,
      metadata: out.Metadata ?? {},
    };
    return { route: 'success', outputs: { body: { value: bodyValue(ctx.config.format, bytes) }, object: { value: { type: 'json', json: object } } } };
  });

/** The `body` input as bytes: base64 text decoded, text as UTF-8, any other value as JSON. */
function putBytes(config: S3PutObjectConfig, value: ValueObject | undefined): { bytes: Buffer; contentType: string } {
  if (!value) throw new ComponentError('no body: connect a body input', 'invalid_request');
  const plain = primitiveOf(value);
  if (config.encoding === 'base64') {
    if (typeof plain !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(plain)) throw new ComponentError('the body input is not base64 text', 'invalid_input');
    return { bytes: Buffer.from(plain, 'base64'), contentType: 'application/octet-stream' };
  }
  if (typeof plain === 'string') return { bytes: Buffer.from(plain, 'utf8'), contentType: 'text/plain; charset=utf-8' };
  return { bytes: Buffer.from(JSON.stringify(plain), 'utf8'), contentType: 'application/json' };
}

const putObject = (ctx: ComponentRunContext<S3PutObjectConfig>, secrets: string[]) =>
  withStore(ctx, secrets, async ({ client, bucket, key }) => {
    const { bytes, contentType } = putBytes(ctx.config, ctx.inputs.body);
    const command = new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: ctx.config.content_type ?? contentType });
    const out = await client.send(command, { abortSignal: ctx.signal });
    const object = { bucket, key, size: bytes.length, etag: out.ETag ?? null, version_id: out.VersionId ?? null };
    return { route: 'success', outputs: { object: { value: { type: 'json', json: object } } } };
  });

export const s3GetObject: ComponentType<S3GetObjectConfig> = {
  type: 's3.get_object',
  description: 'Reads one object from your S3-compatible store (through a credential) as text, JSON or base64.',
  category: 's3',
  config: s3GetObjectConfig,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  inputs: () => ['key'],
  outputs: () => ['body', 'object'],
  run: (ctx) => redactingSecrets((secrets) => getObject(ctx, secrets)),
};

export const s3PutObject: ComponentType<S3PutObjectConfig> = {
  type: 's3.put_object',
  description: 'Writes its body input as one object to your S3-compatible store (through a credential).',
  category: 's3',
  config: s3PutObjectConfig,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  inputs: () => ['key', 'body'],
  outputs: () => ['object'],
  run: (ctx) => redactingSecrets((secrets) => putObject(ctx, secrets)),
};
