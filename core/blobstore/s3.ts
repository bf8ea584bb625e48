/** The S3 blob store (@aws-sdk/client-s3); any S3-compatible server such as MinIO. */
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
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
import { traceS3Commands } from '../tracing';

export interface S3StoreOptions {
  endpoint: string;
  /** the endpoint clients reach (signed URLs are made for it); defaults to `endpoint` */
  publicEndpoint?: string;
  region: string;
  bucket: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

const rangeHeader = (range: ByteRange) => `bytes=${range.start}-${range.end}`;
const isStatus = (e: unknown, status: number) => e instanceof S3ServiceException && e.$metadata.httpStatusCode === status;

export class S3BlobStore implements BlobStore {
  readonly kind = 's3' as const;
  private readonly client: S3Client;
  /** signs URLs for the public endpoint; never sends requests */
  private readonly signer: S3Client;

  constructor(private readonly opts: S3StoreOptions) {
    this.client = makeClient(opts, opts.endpoint);
    this.signer = opts.publicEndpoint ? makeClient(opts, opts.publicEndpoint) : this.client;
  }

  private get bucket() {
    return this.opts.bucket;
  }

  async init() {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      if (!isStatus(e, 404)) throw e;
      await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    }
  }

  async createMultipartUpload(key: string) {
    const out = await this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: key }));
    return out.UploadId!;
  }

  async signUploadPart(key: string, uploadId: string, partNumber: number, expiresIn: number): Promise<SignedRequest> {
    const command = new UploadPartCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber });
    const url = await getSignedUrl(this.signer, command, { expiresIn });
    return { url, method: 'PUT', headers: {}, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }

  async completeMultipartUpload(key: string, uploadId: string, parts: CompletedPart[]) {
    try {
      await this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
        }),
      );
    } catch (e) {
      if (e instanceof S3ServiceException && ['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall'].includes(e.name)) {
        throw new InvalidPartsError(e.message);
      }
      throw e;
    }
  }

  async abortMultipartUpload(key: string, uploadId: string) {
    try {
      await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }));
    } catch (e) {
      if (!isStatus(e, 404)) throw e; // already gone
    }
  }

  async listParts(key: string, uploadId: string) {
    const found: UploadedPart[] = [];
    let marker: string | undefined;
    do {
      const out = await this.client.send(new ListPartsCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId, PartNumberMarker: marker }));
      for (const part of out.Parts ?? []) found.push({ partNumber: part.PartNumber!, etag: bareEtag(part.ETag!), size: part.Size ?? 0 });
      marker = out.IsTruncated ? out.NextPartNumberMarker : undefined;
    } while (marker);
    return found;
  }

  async listMultipartUploads(prefix: string) {
    const found: PendingMultipartUpload[] = [];
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      const out = await this.client.send(
        // No Prefix parameter: MinIO only honours it for a whole object key.
        new ListMultipartUploadsCommand({ Bucket: this.bucket, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
      );
      for (const u of out.Uploads ?? [])
        if (u.Key?.startsWith(prefix)) found.push({ key: u.Key, uploadId: u.UploadId!, initiatedAt: u.Initiated ?? new Date(0) });
      keyMarker = out.IsTruncated ? out.NextKeyMarker : undefined;
      uploadIdMarker = out.IsTruncated ? out.NextUploadIdMarker : undefined;
    } while (keyMarker);
    return found;
  }

  async listObjects(prefix: string) {
    const found: StoredObject[] = [];
    let token: string | undefined;
    do {
      const out = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of out.Contents ?? []) found.push({ key: o.Key!, size: o.Size ?? 0, lastModified: o.LastModified ?? new Date(0) });
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token);
    return found;
  }

  async signDownload(key: string, expiresIn: number, range?: ByteRange): Promise<SignedRequest> {
    const command = new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && rangeHeader(range) });
    const url = await getSignedUrl(this.signer, command, { expiresIn });
    return { url, method: 'GET', headers: range ? { Range: rangeHeader(range) } : {}, expiresAt: new Date(Date.now() + expiresIn * 1000) };
  }

  async put(key: string, body: Readable, size: number) {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentLength: size }));
  }

  async get(key: string, range?: ByteRange) {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: range && rangeHeader(range) }));
    return out.Body as Readable;
  }

  async head(key: string) {
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return out.ContentLength ?? 0;
    } catch (e) {
      if (isStatus(e, 404)) return null;
      throw e;
    }
  }

  async delete(key: string) {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }
}

function makeClient(opts: S3StoreOptions, endpoint: string) {
  const client = new S3Client({
    endpoint,
    region: opts.region,
    forcePathStyle: true,
    credentials: opts.accessKeyId && opts.secretAccessKey ? { accessKeyId: opts.accessKeyId, secretAccessKey: opts.secretAccessKey } : undefined,
    // Presigned URLs must not demand checksum headers that plain HTTP clients do not send.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  traceS3Commands(client);
  return client;
}
