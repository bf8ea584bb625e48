/**
 * One contract, both blob stores: S3 (real MinIO) and the local disk (signed URLs served by the
 * API itself). Each runs behind a real platform, so signed URLs are exercised over real HTTP.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bareEtag, InvalidPartsError, type BlobStore } from '../../core/blobstore';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { addModel } from '../../test/support/onnx-models';
import { newModelBlob, rawRequest, s3Env, uploadModel } from '../../test/support/onnx-client';

const MiB = 1024 * 1024;
const readAll = async (stream: Readable) => {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
};

describe.each([
  { store: 'local', env: (): Record<string, string> => ({}) },
  { store: 's3', env: s3Env },
])('the $store blob store', ({ store: kind, env }) => {
  let p: TestPlatform;
  let store: BlobStore;
  beforeAll(async () => {
    p = await startTestPlatform({ env: env() });
    store = p.app.blobStore!;
    expect(store.kind).toBe(kind);
  });
  afterAll(() => p?.close());

  const key = () => `contract/${randomBytes(6).toString('hex')}`;
  const bytes = Buffer.concat([randomBytes(5 * MiB), randomBytes(1234)]);
  const parts = [bytes.subarray(0, 5 * MiB), bytes.subarray(5 * MiB)];

  async function uploadParts(k: string) {
    const uploadId = await store.createMultipartUpload(k);
    const etags = [];
    for (const [i, part] of parts.entries()) {
      const signed = await store.signUploadPart(k, uploadId, i + 1, 60);
      const res = await rawRequest(signed.method, signed.url, signed.headers, part);
      expect(res.status).toBe(200);
      etags.push({ partNumber: i + 1, etag: res.headers.etag as string });
    }
    return { uploadId, etags };
  }

  it('assembles a multipart upload from signed part URLs, byte for byte', async () => {
    const k = key();
    const { uploadId, etags } = await uploadParts(k);
    // What a resuming client asks: the parts held so far, with their ETags and sizes.
    expect(await store.listParts(k, uploadId)).toEqual(etags.map((e, i) => ({ partNumber: e.partNumber, etag: bareEtag(e.etag), size: parts[i]?.length })));
    await store.completeMultipartUpload(k, uploadId, etags);
    expect(await store.head(k)).toBe(bytes.length);
    expect((await store.listObjects('contract/')).find((o) => o.key === k)).toMatchObject({ size: bytes.length });
    expect((await readAll(await store.get(k))).equals(bytes)).toBe(true);
    expect((await readAll(await store.get(k, { start: 10, end: 19 }))).equals(bytes.subarray(10, 20))).toBe(true);
  });

  it('refuses a wrong ETag list and frees the parts on abort', async () => {
    const k = key();
    const { uploadId, etags } = await uploadParts(k);
    await expect(store.completeMultipartUpload(k, uploadId, [etags[0]!, { partNumber: 2, etag: '"00000000000000000000000000000000"' }])).rejects.toBeInstanceOf(
      InvalidPartsError,
    );
    expect((await store.listMultipartUploads('contract/')).map((u) => u.uploadId)).toContain(uploadId);
    await store.abortMultipartUpload(k, uploadId);
    expect((await store.listMultipartUploads('contract/')).map((u) => u.uploadId)).not.toContain(uploadId);
    expect(await store.head(k)).toBeNull();
  });

  it('serves signed downloads, whole and ranged, and refuses them (and part URLs) for another key or after expiry', async () => {
    const k = key();
    await store.put(k, Readable.from([bytes]), bytes.length);
    const whole = await store.signDownload(k, 60);
    expect((await rawRequest('GET', whole.url, whole.headers)).body.equals(bytes)).toBe(true);
    const ranged = await store.signDownload(k, 60, { start: 100, end: 199 });
    const part = await rawRequest('GET', ranged.url, ranged.headers);
    expect(part.status).toBe(206);
    expect(part.body.equals(bytes.subarray(100, 200))).toBe(true);

    const other = key();
    await store.put(other, Readable.from([Buffer.from('secret')]), 6);
    expect((await rawRequest('GET', whole.url.replace(k, other), {})).status).toBe(403);
    const uploadId = await store.createMultipartUpload(k);
    const signedPart = await store.signUploadPart(k, uploadId, 1, 60);
    expect((await rawRequest('PUT', signedPart.url.replace(k, other), {}, Buffer.from('x'))).status).toBe(403);
    await store.abortMultipartUpload(k, uploadId);

    const short = await store.signDownload(k, 1);
    const lateUpload = await store.createMultipartUpload(k);
    const shortPart = await store.signUploadPart(k, lateUpload, 1, 1);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await rawRequest('GET', short.url, {})).status).toBe(403);
    expect((await rawRequest('PUT', shortPart.url, {}, Buffer.from('late'))).status).toBe(403);
    await store.abortMultipartUpload(k, lateUpload);
    await store.delete(k);
    expect(await store.head(k)).toBeNull();
  });

  it('carries the whole model flow: upload, describe, run, download', async () => {
    const model = addModel();
    const { revisionId } = await newModelBlob(p.admin);
    expect((await uploadModel(p.admin, revisionId, model)).revision.status).toBe('ready');
    expect((await p.admin.data(revisionId, 'onnx_blobhub', 'describe', {})).body.model.graph_name).toBe('add');
    const run = await p.admin.data(revisionId, 'onnx_blobhub', 'run', {
      inputs: { A: { type: 'float32', dims: [1, 3], data: [1, 2, 3] }, B: { type: 'float32', dims: [1, 3], data: [1, 1, 1] } },
    });
    expect(run.body.outputs.Y.data).toEqual([2, 3, 4]);
    const download = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_download', {});
    expect((await rawRequest('GET', download.body.url, {})).body.equals(model)).toBe(true);
  });
});
