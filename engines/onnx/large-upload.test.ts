/**
 * A model of several hundred MB goes through presigned part URLs to MinIO and back, while the
 * process running the API (and this client) stays far below the model's size in memory.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { hashDownload, inParallel, newModelBlob, s3Env, uploadModel } from '../../test/support/onnx-client';
import { writeBigModel } from '../../test/support/onnx-models';

const MiB = 1024 * 1024;
const FLOATS = 80 * MiB; // 320 MiB of weights

let p: TestPlatform;
let dir: string;
beforeAll(async () => {
  p = await startTestPlatform({ env: s3Env() });
  dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-onnx-large-'));
});
afterAll(async () => {
  await p?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Samples the resident set size until stopped; returns the peak. */
function watchRss() {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  return () => (clearInterval(timer), peak);
}

it('uploads a 320 MiB model in parts with bounded memory, describes it and downloads it exactly', { timeout: 240_000 }, async () => {
  const file = path.join(dir, 'big.onnx');
  const { size, sha256 } = await writeBigModel(file, FLOATS);
  expect(size).toBeGreaterThan(320 * MiB);
  const { revisionId } = await newModelBlob(p.admin);

  const baseline = process.memoryUsage().rss;
  const stop = watchRss();
  const { parts, revision } = await uploadModel(p.admin, revisionId, { file, size }, { sha256 });
  const peak = stop();
  const growthMiB = (peak - baseline) / MiB;
  console.log(`[onnx] ${(size / MiB).toFixed(0)} MiB model in ${parts.length} parts: RSS grew by ${growthMiB.toFixed(1)} MiB during upload + processing`);
  expect(parts.length).toBeGreaterThan(1);
  expect(revision.status).toBe('ready');
  expect(growthMiB).toBeLessThan(160); // well under half of the model

  const described = await p.admin.data(revisionId, 'onnx_blobhub', 'describe', {});
  expect(described.body.model).toMatchObject({ size, sha256, graph_name: 'big', initializer_count: 1, parameter_count: FLOATS });

  const download = await p.admin.data(revisionId, 'onnx_blobhub', 'initiate_download', {});
  const ranged = download.body.operation.parts as { offset: number; size: number; download: { url: string; headers: Record<string, string> } }[];
  expect(ranged.length).toBeGreaterThan(1);
  // The ranges cover the file in order, so hashing them in order rebuilds the file's hash.
  const hash = createHash('sha256');
  const bodies = await inParallel(ranged, 1, (part) => hashDownload(part.download.url, part.download.headers, hash));
  expect(bodies.every((b) => b.status === 206)).toBe(true);
  expect(bodies.reduce((a, b) => a + b.bytes, 0)).toBe(size);
  expect(hash.digest('hex')).toBe(sha256);

  const whole = createHash('sha256');
  expect((await hashDownload(download.body.url, {}, whole)).bytes).toBe(size);
  expect(whole.digest('hex')).toBe(sha256);
});
