/**
 * ONNX benchmark (not a test), all in one run against the same MinIO:
 *  - upload: presigned part URLs from initiate_upload vs a plain @aws-sdk/client-s3 multipart
 *    upload of the same file with the same part size and concurrency;
 *  - download: the presigned GET from initiate_download vs a plain GetObject;
 *  - run latency of a small model: REST `run` (cached session) vs InferenceSession.run directly.
 *
 *   npm run bench:onnx            # BENCH_MODEL_MIB=256 BENCH_CONCURRENCY=4 BENCH_RUNS=300
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, GetObjectCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import * as ort from 'onnxruntime-node';
import { hashDownload, inParallel, putFileRange } from '../../sdk/transfer';
import { addModel, writeBigModel } from '../../test/support/onnx-models';
import { planParts } from '../../engines/onnx/uploads';
import { startBenchPlatform } from '../support/platform';
import { median, percentile } from '../support/stats';

const MiB = 1024 * 1024;
const modelMiB = Number(process.env.BENCH_MODEL_MIB ?? 256);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 4);
const runs = Number(process.env.BENCH_RUNS ?? 300);

const time = async <T>(fn: () => Promise<T>) => {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
};
const mibPerS = (bytes: number, ms: number) => bytes / MiB / (ms / 1000);

const platform = await startBenchPlatform({ worker: true, minio: true });
const { admin: client } = platform;
const minio = platform.minio!;
const bucket = 'bench';
const dataDir = platform.env.BLOBHUB_DATA_DIR;
const s3 = new S3Client({
  endpoint: minio.endpoint,
  region: 'us-east-1',
  forcePathStyle: true,
  credentials: { accessKeyId: minio.accessKeyId, secretAccessKey: minio.secretAccessKey },
  requestChecksumCalculation: 'WHEN_REQUIRED',
});

async function newRevision(name: string) {
  await client.post('/orgs', { name });
  return (await client.post(`/orgs/${name}/blobs`, { name: 'model', type: 'onnx', visibility: 'private' })).body.revision.id as string;
}

async function waitReady(revisionId: string) {
  for (;;) {
    const { body } = await client.get(`/revisions/${revisionId}`);
    if (body.revision.status !== 'processing') return body.revision.status as string;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** initiate_upload → PUT every part to its presigned URL → complete_upload. */
async function blobhubUpload(revisionId: string, file: string, size: number) {
  const init = await client.data(revisionId, 'onnx_blobhub', 'initiate_upload', { size });
  const parts = init.body.operation.parts as {
    part_number: number;
    offset: number;
    size: number;
    upload: { url: string; method: string; headers: Record<string, string> };
  }[];
  const hashes = await inParallel(parts, concurrency, async (p) => ({
    part_number: p.part_number,
    hash: await putFileRange(p.upload, file, p.offset, p.size),
  }));
  await client.data(revisionId, 'onnx_blobhub', 'complete_upload', { operation_id: init.body.operation_id, parts: hashes });
}

/** The same split and concurrency, straight to S3 with the SDK. */
async function plainUpload(key: string, file: string, size: number) {
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
  const parts = await inParallel(planParts(size), concurrency, async (p) => {
    const body = createReadStream(file, { start: p.offset, end: p.offset + p.size - 1 });
    const out = await s3.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: p.part_number, ContentLength: p.size, Body: body }));
    return { PartNumber: p.part_number, ETag: out.ETag };
  });
  await s3.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId, MultipartUpload: { Parts: parts } }));
}

async function plainDownload(key: string) {
  const hash = createHash('sha256');
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  for await (const chunk of out.Body as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

try {
  const file = path.join(dataDir, 'big.onnx');
  const { size, sha256 } = await writeBigModel(file, (modelMiB * MiB) / 4);

  // Warm both paths once with a small file so connection setup is not measured.
  const warm = await newRevision('bench-warm');
  const small = path.join(dataDir, 'small.onnx');
  await blobhubUpload(warm, small, (await writeBigModel(small, 1024)).size);
  await plainUpload('plain/warm.onnx', small, (await stat(small)).size);

  // Alternate the two paths and keep each one's median, so a busy moment does not pick the winner.
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const plainUps: number[] = [];
  const hubUps: number[] = [];
  const plainDowns: number[] = [];
  const hubDowns: number[] = [];
  let processingMs = 0;
  for (let round = 0; round < rounds; round++) {
    plainUps.push((await time(() => plainUpload(`plain/big-${round}.onnx`, file, size))).ms);
    const revisionId = await newRevision(`bench-big-${round}`);
    hubUps.push((await time(() => blobhubUpload(revisionId, file, size))).ms);
    processingMs = (await time(() => waitReady(revisionId))).ms;

    const plainDown = await time(() => plainDownload(`plain/big-${round}.onnx`));
    const download = await client.data(revisionId, 'onnx_blobhub', 'initiate_download', {});
    const hubHash = createHash('sha256');
    const hubDown = await time(() => hashDownload(download.body.url, {}, hubHash));
    if (plainDown.value !== sha256 || hubHash.digest('hex') !== sha256) throw new Error('a download did not return the uploaded bytes');
    plainDowns.push(plainDown.ms);
    hubDowns.push(hubDown.ms);
  }

  // run latency: the Add model, REST with a cached session vs onnxruntime directly
  const addRevision = await newRevision('bench-add');
  const model = addModel();
  const addFile = path.join(dataDir, 'add.onnx');
  await writeFile(addFile, model);
  await blobhubUpload(addRevision, addFile, model.length);
  await waitReady(addRevision);
  const inputs = { A: { type: 'float32', dims: [1, 3], data: [1, 2, 3] }, B: { type: 'float32', dims: [1, 3], data: [4, 5, 6] } };
  const latencies = async (call: () => Promise<{ status: number; body: unknown }>) => {
    const xs: number[] = [];
    for (let i = 0; i < runs + 20; i++) {
      const { ms, value } = await time(call);
      if (value.status !== 200) throw new Error(JSON.stringify(value.body));
      if (i >= 20) xs.push(ms);
    }
    return xs.sort((a, b) => a - b);
  };
  const rest = await latencies(() => client.data(addRevision, 'onnx_blobhub', 'run', { inputs }));
  const plainRest = await latencies(() => client.get(`/revisions/${addRevision}`));
  const session = await ort.InferenceSession.create(addFile);
  const direct: number[] = [];
  for (let i = 0; i < runs + 20; i++) {
    const feeds = { A: new ort.Tensor('float32', Float32Array.from([1, 2, 3]), [1, 3]), B: new ort.Tensor('float32', Float32Array.from([4, 5, 6]), [1, 3]) };
    const { ms } = await time(() => session.run(feeds));
    if (i >= 20) direct.push(ms);
  }
  direct.sort((a, b) => a - b);

  const mib = (size / MiB).toFixed(0);
  console.log(`\nONNX benchmark: ${mib} MiB model, ${planParts(size).length} parts of 16 MiB, ${concurrency} parts in flight, MinIO on localhost\n`);
  console.log('| transfer | plain @aws-sdk/client-s3 | BlobHub presigned URLs | ratio |');
  console.log('|---|---|---|---|');
  const row = (what: string, plainMs: number, hubMs: number) =>
    console.log(
      `| ${what} | ${mibPerS(size, plainMs).toFixed(0)} MiB/s | ${mibPerS(size, hubMs).toFixed(0)} MiB/s | ${((plainMs / hubMs) * 100).toFixed(0)}% |`,
    );
  row('upload', median(plainUps), median(hubUps));
  row('download', median(plainDowns), median(hubDowns));
  console.log(
    `\n(medians of ${rounds} alternating rounds) after complete_upload, validation + description (sha256 over the object, graph read by ranges) took ${(processingMs / 1000).toFixed(2)} s`,
  );
  console.log(`\n| run of the Add model (${runs} calls) | p50 | p95 | p99 |`);
  console.log('|---|---|---|---|');
  const lat = (what: string, xs: number[]) =>
    console.log(`| ${what} | ${percentile(xs, 50).toFixed(3)} ms | ${percentile(xs, 95).toFixed(3)} ms | ${percentile(xs, 99).toFixed(3)} ms |`);
  lat('InferenceSession.run directly', direct);
  lat('REST `run` (HTTP + auth + checks, cached session)', rest);
  lat('for scale: REST `GET /v1/revisions/:id` (no inference)', plainRest);
} finally {
  await platform.shutdown();
}
