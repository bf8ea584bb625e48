/**
 * One interface over the places model bytes live: S3 (MinIO in tests and compose) and the local
 * disk (the embedded default). Clients move bytes through signed URLs; the API only signs them.
 */
import type { Readable } from 'node:stream';

export interface SignedRequest {
  url: string;
  method: 'PUT' | 'GET';
  /** headers the client must send as they are (they are part of the signature) */
  headers: Record<string, string>;
  expiresAt: Date;
}

export interface ByteRange {
  /** inclusive start */
  start: number;
  /** inclusive end */
  end: number;
}

export interface CompletedPart {
  partNumber: number;
  etag: string;
}

export interface StoredObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** A part the store already holds for an open multipart upload. */
export interface UploadedPart {
  partNumber: number;
  /** without quotes */
  etag: string;
  size: number;
}

export interface PendingMultipartUpload {
  key: string;
  uploadId: string;
  initiatedAt: Date;
}

/** Thrown by completeMultipartUpload when the part list does not match what was uploaded. */
export class InvalidPartsError extends Error {}

export interface BlobStore {
  readonly kind: 's3' | 'local';
  /** Prepares the store (bucket, directories); idempotent. */
  init(): Promise<void>;
  createMultipartUpload(key: string): Promise<string>;
  signUploadPart(key: string, uploadId: string, partNumber: number, expiresInSeconds: number): Promise<SignedRequest>;
  completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]): Promise<void>;
  abortMultipartUpload(key: string, uploadId: string): Promise<void>;
  /** The parts uploaded so far, by part number (what a client resuming an upload can skip). */
  listParts(key: string, uploadId: string): Promise<UploadedPart[]>;
  listMultipartUploads(prefix: string): Promise<PendingMultipartUpload[]>;
  signDownload(key: string, expiresInSeconds: number, range?: ByteRange): Promise<SignedRequest>;
  put(key: string, body: Readable, size: number): Promise<void>;
  get(key: string, range?: ByteRange): Promise<Readable>;
  listObjects(prefix: string): Promise<StoredObject[]>;
  /** size in bytes, or null when there is no such object */
  head(key: string): Promise<number | null>;
  delete(key: string): Promise<void>;
}

/** ETags are compared without the quotes S3 puts around them. */
export const bareEtag = (etag: string) => etag.trim().replace(/^W\//, '').replace(/^"|"$/g, '');
