/** Plain HTTP transfers to signed URLs, as any client does them (the SDK's uploads, the benchmark). */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import http from 'node:http';
import type { Readable } from 'node:stream';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A plain HTTP request with a known length body (S3 part uploads need Content-Length). */
export function rawRequest(
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: Buffer | { stream: () => Readable; size: number },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const size = body === undefined ? 0 : Buffer.isBuffer(body) ? body.length : body.size;
    const req = http.request(url, { method, headers: { ...headers, ...(body !== undefined && { 'content-length': String(size) }) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else body.stream().pipe(req);
  });
}

/** A GET whose body is only hashed, never kept (for big downloads). */
export function hashDownload(url: string, headers: Record<string, string>, hash = createHash('sha256')): Promise<{ status: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => ((bytes += c.length), hash.update(c)));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes }));
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

/** Maps with at most `limit` calls in flight, keeping the order of the results. */
export async function inParallel<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  // The workers share one iterator, so each item is taken exactly once.
  const queue = items.entries();
  const worker = async () => {
    for (const [i, item] of queue) results[i] = await fn(item);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** PUTs a byte range of a file to a signed URL; returns the ETag the store answered. */
export async function putFileRange(upload: { url: string; method: string; headers: Record<string, string> }, file: string, offset: number, size: number) {
  const res = await rawRequest(upload.method, upload.url, upload.headers, {
    size,
    stream: () => createReadStream(file, { start: offset, end: offset + size - 1, highWaterMark: 1024 * 1024 }),
  });
  if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${res.body.toString().slice(0, 200)}`);
  return res.headers.etag as string;
}
