/** Picks the blob store from the configuration: S3 when an endpoint is set, else the local disk. */
import path from 'node:path';
import type { Config } from '../config';
import { LocalBlobStore } from './local';
import { S3BlobStore } from './s3';
import type { BlobStore } from './types';

export * from './types';
export { LocalBlobStore, LOCAL_STORE_ROUTE } from './local';
export { S3BlobStore } from './s3';

export async function createBlobStore(config: Config, secretKey: Buffer, publicUrl: string): Promise<BlobStore> {
  const store = config.BLOBHUB_S3_ENDPOINT
    ? new S3BlobStore({
        endpoint: config.BLOBHUB_S3_ENDPOINT,
        publicEndpoint: config.BLOBHUB_S3_PUBLIC_ENDPOINT,
        region: config.BLOBHUB_S3_REGION,
        bucket: config.BLOBHUB_S3_BUCKET,
        accessKeyId: config.BLOBHUB_S3_ACCESS_KEY_ID,
        secretAccessKey: config.BLOBHUB_S3_SECRET_ACCESS_KEY,
      })
    : new LocalBlobStore(path.join(config.dataDir, 'blobs'), publicUrl, secretKey);
  await store.init();
  return store;
}
