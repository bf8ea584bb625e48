/**
 * ONNX processing runs on the workers as one Temporal workflow per upload: the API that completes
 * an upload does not process it (it may be gone by then), replicas starting it land on one run,
 * and running the activity again writes nothing twice.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { keywordAttribute } from '../../core/search-attributes';
import { events, onnxFiles } from '../../db/schema';
import { ApiClient } from '../../test/support/client';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { startApiProcess, startWorkerProcess, type BlobHubProcess } from '../../test/support/processes';
import { processUpload } from './processing';
import type { ProcessingIds } from './temporal/contracts';
import { onnxProcessingWorkflowId } from './temporal/start';
import { addModel, writeBigModel } from '../../test/support/onnx-models';
import { newModelBlob, putPart, s3Env, waitForRevision, type ModelSource, type UploadPart } from '../../test/support/onnx-client';
import { startUnfinishedProcessing } from './uploads';

/** an API in this process and no worker anywhere until a test starts one */
let p: TestPlatform;
let worker: BlobHubProcess | undefined;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false, env: s3Env() });
});
afterAll(async () => {
  await worker?.stop();
  await p?.close();
});

/** initiate_upload and every part PUT; returns the complete_upload body. */
async function uploadedParts(revisionId: string, model: ModelSource) {
  const size = Buffer.isBuffer(model) ? model.length : model.size;
  const init = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_upload', { size });
  expect(init.status).toBe(200);
  const parts: UploadPart[] = init.body.operation.parts;
  const hashes = await Promise.all(parts.map(async (part) => ({ part_number: part.part_number, hash: await putPart(part, model) })));
  return { operation_id: init.body.operation_id as string, parts: hashes };
}

const operation = async (id: string) => (await p.admin.get(`/operations/${id}`)).body.operation;
const revisionStatus = async (id: string) => (await p.admin.get(`/revisions/${id}`)).body.revision.status;

/** How often Temporal ran the processing activity for this upload: scheduled once, started on attempt 1. */
async function processingRuns(uploadOperationId: string) {
  const handle = p.app.temporal.client.workflow.getHandle(onnxProcessingWorkflowId(uploadOperationId));
  await handle.result();
  const history = (await handle.fetchHistory()).events ?? [];
  const runs: string[] = [];
  for await (const run of p.app.temporal.client.workflow.list({ query: `WorkflowId = '${onnxProcessingWorkflowId(uploadOperationId)}'` })) runs.push(run.runId);
  return {
    runs: runs.length,
    scheduled: history.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'onnxProcessUpload').length,
    attempts: history.flatMap((e) => (e.activityTaskStartedEventAttributes ? [e.activityTaskStartedEventAttributes.attempt] : [])),
  };
}

/** The describe operation's events, as [status] in order. */
async function describeEvents(describeOperationId: string) {
  const rows = await p.app.db
    .select({ data: events.data })
    .from(events)
    .where(sql`${events.data} -> 'operation' ->> 'id' = ${describeOperationId}`)
    .orderBy(events.seq);
  return rows.map((r) => (r.data as { operation: { status: string } }).operation.status);
}

it('is processed by a worker after the API that completed the upload was killed, however often replicas start it', { timeout: 180_000 }, async () => {
  const model = addModel();
  const { org, blobId, revisionId } = await newModelBlob(p.admin);
  const body = await uploadedParts(revisionId, model);
  const completing = await startApiProcess(p.env);
  const completed = await new ApiClient(completing.url!, p.admin.auth).data(revisionId, 'onnx_blobhub', 'complete_upload', body);
  expect(completed.status, JSON.stringify(completed.body)).toBe(200);
  await completing.kill();
  const describeId: string = completed.body.describe_operation.id;

  // Another replica's reconciler starts it again (twice at once): both land on the same workflow.
  expect(await Promise.all([startUnfinishedProcessing(p.app), startUnfinishedProcessing(p.app)])).toEqual([1, 1]);
  expect(await revisionStatus(revisionId)).toBe('processing');
  expect((await operation(describeId)).status).toBe('pending'); // no API process processes it

  worker = await startWorkerProcess(p.env);
  expect((await waitForRevision(p.admin, revisionId)).status).toBe('ready');
  expect(await operation(body.operation_id)).toMatchObject({ status: 'completed', result: { describe_operation_id: describeId } });
  expect((await operation(describeId)).result.model).toMatchObject({ graph_name: 'add' });
  expect((await p.admin.data(revisionId, 'onnx_blobhub', 'describe', {})).body.model).toMatchObject({ size: model.length, graph_name: 'add' });
  expect(await processingRuns(body.operation_id)).toEqual({ runs: 1, scheduled: 1, attempts: [1] });
  expect(await describeEvents(describeId)).toEqual(['pending', 'running', 'succeeded']);

  // in the Temporal UI the processing is found by its blob, and says what it processes
  const processing = await p.app.temporal.client.workflow.getHandle(onnxProcessingWorkflowId(body.operation_id)).describe();
  expect(processing.typedSearchAttributes.get(keywordAttribute('BlobHubBlobId'))).toBe(blobId);
  expect(processing.typedSearchAttributes.get(keywordAttribute('BlobHubRevisionId'))).toBe(revisionId);
  expect(await processing.staticSummary()).toBe(`BlobHub ONNX processing: model.onnx of ${org}/model`);
});

it('processes an upload completed on two API replicas at once exactly once; running the activity again writes nothing', { timeout: 180_000 }, async () => {
  worker ??= await startWorkerProcess(p.env);
  const replica = await startApiProcess(p.env);
  try {
    const model = addModel();
    const { revisionId } = await newModelBlob(p.admin);
    const body = await uploadedParts(revisionId, model);
    const answers = await Promise.all(
      [p.admin, new ApiClient(replica.url!, p.admin.auth)].map((client) => client.data(revisionId, 'onnx_blobhub', 'complete_upload', body)),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const describeId: string = answers.find((a) => a.status === 200)!.body.describe_operation.id;
    expect((await waitForRevision(p.admin, revisionId)).status).toBe('ready');

    const operations = (await p.admin.get(`/revisions/${revisionId}/operations`)).body.operations as { type: string }[];
    expect(operations.filter((o) => o.type === 'onnx.describe')).toHaveLength(1);
    expect(await processingRuns(body.operation_id)).toEqual({ runs: 1, scheduled: 1, attempts: [1] });

    // A late retry of the activity (a worker presumed dead finishing after all) changes nothing.
    const ids: ProcessingIds = { uploadOperationId: body.operation_id, describeOperationId: describeId };
    const filesBefore = await p.app.db.select().from(onnxFiles).where(eq(onnxFiles.revisionId, revisionId));
    await Promise.all([processUpload(p.app, ids), processUpload(p.app, ids)]);
    expect(await p.app.db.select().from(onnxFiles).where(eq(onnxFiles.revisionId, revisionId))).toEqual(filesBefore);
    expect(await describeEvents(describeId)).toEqual(['pending', 'running', 'succeeded']);
    expect(await revisionStatus(revisionId)).toBe('ready');
  } finally {
    await replica.stop();
  }
});

it('resumes on another worker when the worker processing a model is SIGKILLed mid-way, and settles it once', { timeout: 240_000 }, async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-onnx-crash-'));
  try {
    worker ??= await startWorkerProcess(p.env);
    const file = path.join(dir, 'big.onnx');
    const { size, sha256 } = await writeBigModel(file, 50 * 1024 * 1024); // 200 MiB to hash and read
    const { revisionId } = await newModelBlob(p.admin);
    const body = await uploadedParts(revisionId, { file, size });
    const completed = await p.admin.data(revisionId, 'onnx_blobhub', 'complete_upload', body);
    expect(completed.status).toBe(200);
    const describeId: string = completed.body.describe_operation.id;
    while ((await operation(describeId)).status === 'pending') await new Promise((r) => setTimeout(r, 20));
    await worker.kill(); // while it reads the model
    expect((await operation(describeId)).status).toBe('running');

    worker = await startWorkerProcess(p.env); // takes over once the dead one's heartbeat is missed
    expect((await waitForRevision(p.admin, revisionId)).status).toBe('ready');
    expect((await p.admin.data(revisionId, 'onnx_blobhub', 'describe', {})).body.model).toMatchObject({ size, sha256, graph_name: 'big' });
    expect(await processingRuns(body.operation_id)).toEqual({ runs: 1, scheduled: 1, attempts: [2] });
    expect(await describeEvents(describeId)).toEqual(['pending', 'running', 'succeeded']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
