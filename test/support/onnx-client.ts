/** Test support for the ONNX engine: a client that uploads and downloads the way users do. */
import { randomBytes } from 'node:crypto';
import { expect, inject } from 'vitest';
import type { ApiClient } from './client';
import { s3Env as s3EnvFor } from './minio';
import { inParallel, putFileRange, rawRequest } from '../../sdk/transfer';

export { hashDownload, inParallel, rawRequest } from '../../sdk/transfer';

/** Env for a platform on the run's MinIO, each test file in its own bucket. */
export function s3Env() {
  return s3EnvFor(inject('s3'), `t-${randomBytes(6).toString('hex')}`);
}

export interface UploadPart {
  part_number: number;
  offset: number;
  size: number;
  upload: { url: string; method: string; headers: Record<string, string> };
}

export type ModelSource = Buffer | { file: string; size: number };
const sizeOf = (m: ModelSource) => (Buffer.isBuffer(m) ? m.length : m.size);

/** PUTs one planned part from a buffer or a file range; returns its ETag. */
export async function putPart(part: UploadPart, model: ModelSource): Promise<string> {
  if (!Buffer.isBuffer(model)) return putFileRange(part.upload, model.file, part.offset, part.size);
  const res = await rawRequest(part.upload.method, part.upload.url, part.upload.headers, model.subarray(part.offset, part.offset + part.size));
  expect(res.status, res.body.toString()).toBe(200);
  return res.headers.etag as string;
}

export async function waitForOperation(client: ApiClient, operationId: string) {
  for (let i = 0; i < 600; i++) {
    const { body } = await client.get(`/operations/${operationId}`);
    if (!['pending', 'running'].includes(body.operation.status)) return body.operation;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the operation did not end');
}

export async function waitForRevision(client: ApiClient, revisionId: string) {
  for (let i = 0; i < 600; i++) {
    const { body } = await client.get(`/revisions/${revisionId}`);
    if (body.revision.status !== 'processing') return body.revision;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the revision stayed processing');
}

/** The whole client flow: initiate, PUT every part, complete, wait for processing to end. */
export async function uploadModel(
  client: ApiClient,
  revisionId: string,
  model: ModelSource,
  opts: { path?: string; sha256?: string; size?: number; concurrency?: number } = {},
) {
  const init = await client.data(revisionId, 'onnx_blobhub', 'initiate_upload', { path: opts.path, size: opts.size ?? sizeOf(model), sha256: opts.sha256 });
  expect(init.status, JSON.stringify(init.body)).toBe(200);
  const parts: UploadPart[] = init.body.operation.parts;
  const hashes = await inParallel(parts, opts.concurrency ?? 4, async (part) => ({ part_number: part.part_number, hash: await putPart(part, model) }));
  const done = await client.data(revisionId, 'onnx_blobhub', 'complete_upload', { operation_id: init.body.operation_id, parts: hashes });
  expect(done.status, JSON.stringify(done.body)).toBe(200);
  // Watch the operation, as a client does; it ends after the revision and the model are settled.
  await waitForOperation(client, init.body.operation_id);
  const revision = (await client.get(`/revisions/${revisionId}`)).body.revision;
  return { operationId: init.body.operation_id as string, parts, revision };
}

let counter = 0;
/** A fresh org with one ONNX blob; returns its first draft revision. */
export async function newModelBlob(client: ApiClient, visibility: 'private' | 'public' = 'private') {
  const name = `models-${process.pid}-${++counter}-${randomBytes(3).toString('hex')}`;
  expect((await client.post('/orgs', { name })).status).toBe(200);
  const created = await client.post(`/orgs/${name}/blobs`, { name: 'model', type: 'onnx', visibility });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return { org: name, blobId: created.body.blob.id as string, revisionId: created.body.revision.id as string };
}

/** BlobHub's older single-request upload: the bytes as the body, the command in X-Request-Body. */
export function singleRequestUpload(url: string, client: ApiClient, revisionId: string, path: string, bytes: Buffer) {
  return rawRequest(
    'POST',
    `${url}/v1/revisions/${revisionId}/data/command`,
    {
      'x-api-key': client.auth.key!,
      'content-type': 'application/octet-stream',
      'x-request-body': JSON.stringify({ command: 'upload', path, size: bytes.length }),
    },
    bytes,
  );
}
