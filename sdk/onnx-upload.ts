/**
 * Multipart model upload (docs/spec.md §7): the server plans the parts and signs one URL per part; the
 * client PUTs byte ranges of the file straight to the blob store, several at a time, reporting
 * progress as bytes leave, and retries a failed part from its start.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { pipeline } from 'node:stream/promises';
import { inParallel } from './transfer';

export interface PlannedPart {
  part_number: number;
  offset: number;
  size: number;
  upload: { url: string; method: string; headers: Record<string, string> };
}

export interface UploadProgress {
  sentBytes: number;
  totalBytes: number;
  partsDone: number;
  partsTotal: number;
}

export interface PartUploadOptions {
  concurrency?: number;
  /** tries per part before the upload fails (default 3) */
  attempts?: number;
  onProgress?: (progress: UploadProgress) => void;
  signal?: AbortSignal;
}

export async function fileSha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

export const fileSize = async (file: string) => (await stat(file)).size;

/** PUTs one byte range; calls `sent` with each chunk's length; resolves to the store's ETag. */
function putRange(part: PlannedPart, file: string, sent: (bytes: number) => void, signal?: AbortSignal): Promise<string> {
  const transport = part.upload.url.startsWith('https:') ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(part.upload.url, {
      method: part.upload.method,
      headers: { ...part.upload.headers, 'content-length': String(part.size) },
      signal,
    });
    req.on('response', (res) => {
      const body: Buffer[] = [];
      res.on('data', (chunk: Buffer) => body.push(chunk));
      res.on('end', () => {
        const etag = res.headers.etag;
        if (res.statusCode === 200 && etag) resolve(etag);
        else reject(new Error(`part ${part.part_number}: the store answered ${res.statusCode}: ${Buffer.concat(body).toString().slice(0, 200)}`));
      });
    });
    req.on('error', reject);
    const range = createReadStream(file, { start: part.offset, end: part.offset + part.size - 1, highWaterMark: 1024 * 1024 });
    range.on('data', (chunk) => sent(chunk.length));
    range.on('error', (error) => req.destroy(error));
    range.pipe(req);
  });
}

/** Uploads every planned part, at most `concurrency` at once; returns `{part_number, hash}` in order. */
export async function uploadParts(file: string, parts: PlannedPart[], opts: PartUploadOptions = {}): Promise<{ part_number: number; hash: string }[]> {
  const progress: UploadProgress = { sentBytes: 0, totalBytes: parts.reduce((n, p) => n + p.size, 0), partsDone: 0, partsTotal: parts.length };
  const report = (delta: number, partDone = false) => {
    progress.sentBytes += delta;
    if (partDone) progress.partsDone++;
    opts.onProgress?.({ ...progress });
  };
  const uploadOne = async (part: PlannedPart) => {
    const attempts = opts.attempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      let sent = 0;
      try {
        const hash = await putRange(part, file, (bytes) => (report(bytes), (sent += bytes)), opts.signal);
        report(0, true);
        return { part_number: part.part_number, hash };
      } catch (error) {
        report(-sent); // the retry sends the whole part again
        if (attempt >= attempts || opts.signal?.aborted) throw error;
      }
    }
  };
  return inParallel(parts, opts.concurrency ?? 4, uploadOne);
}
