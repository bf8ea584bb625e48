/**
 * The blob store (a MinIO of this file's own) stops: uploads answer 503 with Retry-After, the
 * process lives on, and no operation is left pending by an upload that could not begin.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { operations } from '../../db/schema';
import { s3Env, startMinio } from '../../test/support/minio';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { newModelBlob, singleRequestUpload } from '../../test/support/onnx-client';

let p: TestPlatform;
let minio: Awaited<ReturnType<typeof startMinio>>;

beforeAll(async () => {
  minio = await startMinio();
  p = await startTestPlatform({ env: s3Env(minio, 'outage') });
});
afterAll(async () => {
  await p?.close();
  await minio?.stop();
});

const operationsOf = (revisionId: string) =>
  p.app.db
    .select()
    .from(operations)
    .where(and(eq(operations.targetType, 'revision'), eq(operations.targetId, revisionId)));

it('answers uploads with 503 and Retry-After while the blob store is down, leaving no operation pending', async () => {
  const opened = await newModelBlob(p.admin);
  const init = await p.admin.data(opened.revisionId, 'onnx_blobhub', 'initiate_upload', { size: 1024 });
  expect(init.status, JSON.stringify(init.body)).toBe(200);
  await minio.stop();

  const fresh = await newModelBlob(p.admin);
  const refused = await p.admin.data(fresh.revisionId, 'onnx_blobhub', 'initiate_upload', { size: 1024 });
  expect([refused.status, refused.body.error]).toEqual([503, 'unavailable']);
  expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);

  const resumed = await p.admin.data(opened.revisionId, 'onnx_blobhub', 'resume_upload', { operation_id: init.body.operation_id });
  expect([resumed.status, resumed.body.error]).toEqual([503, 'unavailable']);

  const model = Buffer.alloc(2048, 1);
  const single = await singleRequestUpload(p.url, p.admin, fresh.revisionId, 'model.onnx', model);
  expect(single.status).toBe(503);
  expect(JSON.parse(single.body.toString()).error).toBe('unavailable');

  const left = await operationsOf(fresh.revisionId);
  expect(left.length).toBeGreaterThan(0);
  for (const op of left) expect([op.status, (op.error as { code?: string } | null)?.code]).toEqual(['failed', 'unavailable']);
  expect((await p.admin.get('/users/me')).status).toBe(200);
});
