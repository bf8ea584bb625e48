/**
 * The local-disk blob store, the embedded default. Its signed URLs point at the API itself
 * (`/v1/blobstore/…`), which checks expiry and an HMAC signature the way S3 checks its own.
 */
import { createHash, createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  bareEtag,
  InvalidPartsError,
  type BlobStore,
  type ByteRange,
  type CompletedPart,
  type PendingMultipartUpload,
  type SignedRequest,
  type StoredObject,
  type UploadedPart,
} from './types';

export const LOCAL_STORE_ROUTE = '/v1/blobstore/';

interface MultipartMeta {
  key: string;
  initiatedAt: string;
}

/** What a signature covers: the request's method, object, part and (for GET) byte range. */
interface SignedFields {
  method: 'PUT' | 'GET';
  key: string;
  uploadId?: string;
  partNumber?: number;
  range?: string;
  expires: number;
}

const rangeHeader = (range: ByteRange) => `bytes=${range.start}-${range.end}`;

/**
 * A signed URL is its own credential (no cookie, no API key), so any page may use it, as an S3
 * bucket's CORS rule allows: a web app opened at another address than the public URL (127.0.0.1
 * against localhost) still sends its parts and reads their ETags.
 */
const corsHeaders = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, PUT',
  'access-control-allow-headers': 'content-type, range',
  'access-control-expose-headers': 'etag, content-length, content-range',
  'access-control-max-age': '600',
};

export class LocalBlobStore implements BlobStore {
  readonly kind = 'local' as const;
  private readonly signingKey: Buffer;

  constructor(
    private readonly root: string,
    private readonly publicUrl: string,
    secretKey: Buffer,
  ) {
    // A key of its own, so that a store signature can never stand in for anything else.
    this.signingKey = createHmac('sha256', secretKey).update('blobhub local blob store').digest();
  }

  async init() {
    await mkdir(path.join(this.root, 'objects'), { recursive: true });
    await mkdir(path.join(this.root, 'multipart'), { recursive: true });
  }

  private objectPath(key: string) {
    if (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(key) || key.split('/').includes('..')) throw new Error(`invalid object key ${key}`);
    return path.join(this.root, 'objects', key);
  }

  private uploadDir(uploadId: string) {
    if (!/^[0-9a-f-]{36}$/.test(uploadId)) throw new Error('invalid upload id');
    return path.join(this.root, 'multipart', uploadId);
  }

  async createMultipartUpload(key: string) {
    this.objectPath(key);
    const uploadId = randomUUID();
    await mkdir(this.uploadDir(uploadId), { recursive: true });
    const meta: MultipartMeta = { key, initiatedAt: new Date().toISOString() };
    await writeFile(path.join(this.uploadDir(uploadId), 'meta.json'), JSON.stringify(meta));
    return uploadId;
  }

  private sign(fields: SignedFields) {
    const canonical = [fields.method, fields.key, fields.uploadId ?? '', fields.partNumber ?? '', fields.range ?? '', fields.expires].join('\n');
    return createHmac('sha256', this.signingKey).update(canonical).digest('hex');
  }

  private signedUrl(fields: SignedFields) {
    const url = new URL(`${this.publicUrl}${LOCAL_STORE_ROUTE}${fields.key}`);
    if (fields.uploadId) url.searchParams.set('upload_id', fields.uploadId);
    if (fields.partNumber) url.searchParams.set('part_number', String(fields.partNumber));
    url.searchParams.set('expires', String(fields.expires));
    url.searchParams.set('signature', this.sign(fields));
    return url.toString();
  }

  async signUploadPart(key: string, uploadId: string, partNumber: number, expiresIn: number): Promise<SignedRequest> {
    const expires = Math.floor(Date.now() / 1000) + expiresIn;
    const url = this.signedUrl({ method: 'PUT', key, uploadId, partNumber, expires });
    return { url, method: 'PUT', headers: {}, expiresAt: new Date(expires * 1000) };
  }

  async signDownload(key: string, expiresIn: number, range?: ByteRange): Promise<SignedRequest> {
    const expires = Math.floor(Date.now() / 1000) + expiresIn;
    const fields: SignedFields = { method: 'GET', key, range: range && rangeHeader(range), expires };
    return { url: this.signedUrl(fields), method: 'GET', headers: range ? { Range: rangeHeader(range) } : {}, expiresAt: new Date(expires * 1000) };
  }

  private async readMeta(uploadId: string): Promise<MultipartMeta | null> {
    try {
      return JSON.parse(await readFile(path.join(this.uploadDir(uploadId), 'meta.json'), 'utf8')) as MultipartMeta;
    } catch {
      return null;
    }
  }

  /** Stores one part as it streams in; returns its ETag (MD5, as S3 does for plain parts). */
  private async writePart(key: string, uploadId: string, partNumber: number, body: Readable) {
    const meta = await this.readMeta(uploadId);
    if (!meta || meta.key !== key) return null;
    const md5 = createHash('md5');
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        md5.update(chunk);
        done(null, chunk);
      },
    });
    const file = path.join(this.uploadDir(uploadId), String(partNumber));
    await pipeline(body, hashing, createWriteStream(`${file}.tmp`));
    const etag = md5.digest('hex');
    await rename(`${file}.tmp`, file);
    await writeFile(`${file}.etag`, etag);
    return etag;
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]) {
    const meta = await this.readMeta(uploadId);
    if (!meta || meta.key !== key) throw new InvalidPartsError('no such multipart upload');
    const dir = this.uploadDir(uploadId);
    for (const [i, part] of parts.entries()) {
      const previous = parts[i - 1];
      if (previous && part.partNumber <= previous.partNumber) throw new InvalidPartsError('parts must be in ascending order');
      const stored = await readFile(path.join(dir, `${part.partNumber}.etag`), 'utf8').catch(() => null);
      if (stored !== bareEtag(part.etag)) throw new InvalidPartsError(`part ${part.partNumber} was not uploaded with that ETag`);
    }
    const target = this.objectPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    const out = createWriteStream(`${target}.tmp`);
    for (const part of parts) await pipeline(createReadStream(path.join(dir, String(part.partNumber))), out, { end: false });
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    await rename(`${target}.tmp`, target);
    await rm(dir, { recursive: true, force: true });
  }

  async abortMultipartUpload(_key: string, uploadId: string) {
    await rm(this.uploadDir(uploadId), { recursive: true, force: true });
  }

  async listParts(key: string, uploadId: string) {
    const meta = await this.readMeta(uploadId);
    if (!meta || meta.key !== key) throw new InvalidPartsError('no such multipart upload');
    const dir = this.uploadDir(uploadId);
    const found: UploadedPart[] = [];
    // A part counts once its `.etag` is written, which happens after its bytes are in place.
    for (const name of await readdir(dir)) {
      const partNumber = /^(\d+)\.etag$/.exec(name)?.[1];
      if (!partNumber) continue;
      const [etag, info] = await Promise.all([readFile(path.join(dir, name), 'utf8'), stat(path.join(dir, partNumber))]);
      found.push({ partNumber: Number(partNumber), etag, size: info.size });
    }
    return found.sort((a, b) => a.partNumber - b.partNumber);
  }

  async listMultipartUploads(prefix: string) {
    const found: PendingMultipartUpload[] = [];
    for (const uploadId of await readdir(path.join(this.root, 'multipart'))) {
      const meta = await this.readMeta(uploadId);
      if (meta?.key.startsWith(prefix)) found.push({ key: meta.key, uploadId, initiatedAt: new Date(meta.initiatedAt) });
    }
    return found;
  }

  async listObjects(prefix: string) {
    const root = path.join(this.root, 'objects');
    const entries = await readdir(root, { recursive: true, withFileTypes: true });
    const found: StoredObject[] = [];
    for (const e of entries) {
      if (!e.isFile() || e.name.endsWith('.tmp')) continue;
      const key = path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/');
      if (!key.startsWith(prefix)) continue;
      const info = await stat(path.join(root, key));
      found.push({ key, size: info.size, lastModified: info.mtime });
    }
    return found;
  }

  async put(key: string, body: Readable, _size: number) {
    const target = this.objectPath(key);
    await mkdir(path.dirname(target), { recursive: true });
    await pipeline(body, createWriteStream(`${target}.tmp`));
    await rename(`${target}.tmp`, target);
  }

  async get(key: string, range?: ByteRange) {
    return createReadStream(this.objectPath(key), range ? { start: range.start, end: range.end } : {});
  }

  async head(key: string) {
    try {
      return (await stat(this.objectPath(key))).size;
    } catch {
      return null;
    }
  }

  async delete(key: string) {
    await rm(this.objectPath(key), { force: true });
  }

  /**
   * Serves the signed URLs: PUT a part, GET an object (with the signed Range), and the CORS
   * preflight of either. A bad or expired signature is a 403, as S3 answers; nothing is read or
   * written before the check.
   */
  async handleSignedRequest(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (!url.pathname.startsWith(LOCAL_STORE_ROUTE)) return false;
    for (const [name, value] of Object.entries(corsHeaders)) res.setHeader(name, value);
    if (req.method === 'OPTIONS') {
      res.writeHead(204).end();
      return true;
    }
    const method = req.method === 'PUT' ? 'PUT' : req.method === 'GET' || req.method === 'HEAD' ? 'GET' : null;
    const key = decodeURIComponent(url.pathname.slice(LOCAL_STORE_ROUTE.length));
    const q = url.searchParams;
    const fields: SignedFields = {
      method: method ?? 'GET',
      key,
      uploadId: q.get('upload_id') ?? undefined,
      partNumber: q.has('part_number') ? Number(q.get('part_number')) : undefined,
      range: method === 'GET' ? (req.headers.range ?? undefined) : undefined,
      expires: Number(q.get('expires')),
    };
    const fail = (status: number, code: string, message: string) => {
      req.resume();
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
      return true;
    };
    if (!method) return fail(405, 'bad_request', 'only GET and PUT are signed');
    if (!this.signatureMatches(fields, q.get('signature') ?? '')) return fail(403, 'forbidden', 'the signature does not match this request');
    if (!(fields.expires * 1000 > Date.now())) return fail(403, 'forbidden', 'the signed URL has expired');
    if (method === 'PUT') {
      if (!fields.uploadId || !fields.partNumber) return fail(400, 'bad_request', 'not an upload URL');
      const etag = await this.writePart(key, fields.uploadId, fields.partNumber, req);
      if (!etag) return fail(404, 'not_found', 'no such upload');
      res.writeHead(200, { etag: `"${etag}"` }).end();
      return true;
    }
    return this.serveObject(req, res, key, fields.range);
  }

  private signatureMatches(fields: SignedFields, signature: string) {
    const expected = Buffer.from(this.sign(fields), 'hex');
    const given = Buffer.from(signature, 'hex');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private async serveObject(req: IncomingMessage, res: ServerResponse, key: string, range?: string) {
    const size = await this.head(key);
    if (size === null) {
      res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: 'no such object' } }));
      return true;
    }
    const m = range ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
    const span = m ? { start: Number(m[1]), end: Math.min(Number(m[2]), size - 1) } : undefined;
    const headers: Record<string, string | number> = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes' };
    if (span) headers['content-range'] = `bytes ${span.start}-${span.end}/${size}`;
    headers['content-length'] = span ? span.end - span.start + 1 : size;
    res.writeHead(span ? 206 : 200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return true;
    }
    await pipeline(await this.get(key, span), res);
    return true;
  }
}
