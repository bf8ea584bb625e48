/**
 * BlobHub's model archive: the `blobhub` SDK uploads `model.tar.gz` holding one `model.onnx`
 * (and optionally a `model.json`). It is unpacked into those files so that they can be described,
 * run and downloaded one by one, as the SDK's `Onnx.download("model.onnx")` expects.
 */
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract } from 'tar-stream';
import type { BlobStore } from '../../core/blobstore';
import { DEFAULT_MODEL_PATH } from './files';

export const ARCHIVE_PATH = 'model.tar.gz';
export const TOPOLOGY_PATH = 'model.json';
const MEMBERS = new Set([DEFAULT_MODEL_PATH, TOPOLOGY_PATH]);

export interface UnpackedMember {
  path: string;
  size: number;
  sha256: string;
  storageKey: string;
}

export class ArchiveRejected extends Error {}

/** Unpacked bytes may exceed the compressed ones read so far by this factor (plus 1 MiB): weights compress little, a bomb a thousandfold. */
export const MAX_UNPACK_RATIO = 100;
const RATIO_SLACK_BYTES = 1024 * 1024;

/**
 * A counter before gunzip and a guard after it: the archive is refused as soon as it unpacks to
 * more than MAX_UNPACK_RATIO times what has been read of it, before the bytes reach the store.
 */
function ratioGuard() {
  let packed = 0;
  let unpacked = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      packed += chunk.length;
      done(null, chunk);
    },
  });
  const guard = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      unpacked += chunk.length;
      if (unpacked > packed * MAX_UNPACK_RATIO + RATIO_SLACK_BYTES) {
        return done(new ArchiveRejected(`the archive unpacks to more than ${MAX_UNPACK_RATIO} times its size (a decompression bomb?)`));
      }
      done(null, chunk);
    },
  });
  return { count, guard };
}

/** Streams one member into the store, hashing it on the way. */
async function storeMember(store: BlobStore, key: string, entry: AsyncIterable<unknown>, size: number): Promise<string> {
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await Promise.all([store.put(key, hashing, size), pipeline(entry, hashing)]);
  return hash.digest('hex');
}

/**
 * Unpacks `model.onnx` (required) and `model.json` (optional) from the archive stored at
 * `archiveKey` into objects beside it. Other members are refused: the SDK packs exactly these.
 */
export async function unpackModelArchive(store: BlobStore, archiveKey: string): Promise<UnpackedMember[]> {
  const members: UnpackedMember[] = [];
  // every object begun, finished or not: a refused archive leaves none behind
  const written = new Map<string, Promise<string>>();
  let rejection: ArchiveRejected | undefined;
  const tar = extract();
  tar.on('entry', (header, entry, next) => {
    const path = header.name.replace(/^\.\//, '');
    if (rejection || header.type !== 'file' || !MEMBERS.has(path) || members.some((m) => m.path === path)) {
      // drained, not destroyed mid-stream: the whole archive is refused once it has been read
      rejection ??= new ArchiveRejected(`the archive may hold only one regular ${[...MEMBERS].join(' and one ')}; it has ${header.type} ${header.name}`);
      entry.on('end', next);
      entry.resume();
      return;
    }
    const storageKey = `${archiveKey}.${path}`;
    const size = header.size ?? 0;
    const stored = storeMember(store, storageKey, entry, size);
    written.set(storageKey, stored);
    stored.then(
      (sha256) => {
        members.push({ path, size, sha256, storageKey });
        next();
      },
      (error: unknown) => tar.destroy(error as Error),
    );
  });
  const discard = async () => {
    await Promise.allSettled(written.values());
    await Promise.all([...written.keys()].map((key) => store.delete(key).catch(() => undefined)));
  };
  const { count, guard } = ratioGuard();
  try {
    await pipeline(await store.get(archiveKey), count, createGunzip(), guard, tar);
  } catch (error) {
    await discard();
    if (error instanceof ArchiveRejected) throw error;
    throw new ArchiveRejected(`the archive is not a readable tar.gz: ${(error as Error).message}`);
  }
  rejection ??= members.some((m) => m.path === DEFAULT_MODEL_PATH) ? undefined : new ArchiveRejected(`the archive holds no ${DEFAULT_MODEL_PATH}`);
  if (rejection) {
    await discard();
    throw rejection;
  }
  return members;
}
