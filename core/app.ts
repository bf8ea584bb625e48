import type { Config } from './config';
import type { Database, DatabaseHandle } from '../db/client';
import type { TemporalHandle } from './temporal';
import type { BlobStore } from './blobstore/types';
import { recordEvent, type EventInput } from './events';

/**
 * Everything a request, a command or an activity needs, built once per process
 * (the API server, the worker, or both in dev mode).
 */
export interface App {
  config: Config;
  database: DatabaseHandle;
  db: Database;
  temporal: TemporalHandle;
  /** AES-256-GCM key for credential bodies */
  secretKey: Buffer;
  /** Base URL clients use to reach this API (for signed URLs and links). */
  publicUrl: string;
  /** Where model bytes live (S3 or the local disk); set by bootPlatform. */
  blobStore?: BlobStore;
  /** Durable write, then cross-process publish. */
  emit(event: EventInput): ReturnType<typeof recordEvent>;
  /** Resources to release on shutdown, run in reverse order. */
  onClose(fn: () => Promise<void> | void): void;
  close(): Promise<void>;
}

export function createApp(parts: Omit<App, 'db' | 'emit' | 'onClose' | 'close'>): App {
  const closers: (() => Promise<void> | void)[] = [];
  return {
    ...parts,
    db: parts.database.db,
    emit: (event) => recordEvent(parts.database.db, event),
    onClose: (fn) => closers.push(fn),
    async close() {
      for (const fn of closers.reverse()) await fn();
      await parts.temporal.close();
      await parts.database.close();
    },
  };
}
