/**
 * The engine registry. An engine is a module that registers its data commands (SPEC §3 "Engine
 * data commands"), the hooks the revision lifecycle calls, and what the API and the worker run for
 * it (HTTP routes, Temporal workflows and activities, background services). Engines live in
 * engines/<name>/.
 */
import type { UntypedActivities } from '@temporalio/common';
import type { z } from 'zod';
import type { Transaction } from '../db/client';
import type { blobs, revisions } from '../db/schema';
// the component catalog is the workflow engine's; other engines add component types to it
import type { ComponentType } from '../engines/workflow/components/registry';
import type { Caller, Role } from './access';
import type { App } from './app';
import type { HttpExtension } from './http';

export type BlobType = (typeof blobs.$inferSelect)['type'];
export type BlobRow = typeof blobs.$inferSelect;
export type RevisionRow = typeof revisions.$inferSelect;

export interface CommandContext {
  app: App;
  caller: Caller;
  /** the caller's effective role on the blob */
  role: Role;
  blob: BlobRow;
  revision: RevisionRow;
}

export interface EngineCommand<S extends z.ZodType = z.ZodType> {
  /** queries need `read`; commands need `write` and are refused on `/data/query` */
  kind: 'query' | 'command';
  /** content-changing commands run only on a draft revision (409 otherwise) */
  draftOnly?: boolean;
  input: S;
  run(ctx: CommandContext, input: z.infer<S>): Promise<Record<string, unknown>>;
}

export function defineCommand<S extends z.ZodType>(command: EngineCommand<S>): EngineCommand<S> {
  return command;
}

export interface CommitProblem {
  message: string;
  [key: string]: unknown;
}

export interface Engine {
  name: string;
  aliases?: string[];
  blobType: BlobType;
  commands: Record<string, EngineCommand>;
  /** Checks revision content before commit; any problem refuses the commit with 400. */
  validateForCommit?(app: App, tx: Transaction, revision: RevisionRow): Promise<CommitProblem[]>;
  /** Copies engine content when a new draft is opened from a revision. */
  copyContent?(tx: Transaction, from: RevisionRow, to: RevisionRow): Promise<void>;
  /** A stable hash of the revision content, stored at commit. */
  contentHash?(tx: Transaction, revision: RevisionRow): Promise<string>;
  /** Releases engine resources outside the database (e.g. Temporal Schedules) before a blob is deleted. */
  beforeBlobDelete?(app: App, blob: BlobRow): Promise<void>;
  /** Background services run by the API (e.g. reconcilers, sweepers); returns a stopper. */
  start?(app: App): Promise<(() => Promise<void>) | void>;
  /** Raw HTTP routes beside the data commands (octet-stream bytes, signed URLs); engines are asked in registration order. */
  httpRoutes?(app: App): HttpExtension;
  /** Path of the module holding its Temporal workflows; the worker's bundle index (workflows/index.ts) exports each engine's. */
  workflows?: string;
  /** Its Temporal activities bound to the process's App; the worker registers every engine's. */
  activities?(app: App): UntypedActivities;
  /** Component types it adds to the workflow engine's catalog. */
  components?: ComponentType[];
}

const registry = new Map<string, Engine>();

export function registerEngine(engine: Engine): void {
  for (const name of [engine.name, ...(engine.aliases ?? [])]) registry.set(name, engine);
}

export function findEngine(name: string): Engine | undefined {
  return registry.get(name);
}

export function engineForBlobType(type: BlobType): Engine | undefined {
  return [...registry.values()].find((e) => e.blobType === type);
}

export function allEngines(): Engine[] {
  return [...new Set(registry.values())];
}

/** Starts every engine's background services (reconcilers, sweepers); returns one stopper. */
export async function startEngines(app: App): Promise<() => Promise<void>> {
  const stoppers: (() => Promise<void>)[] = [];
  for (const engine of allEngines()) {
    const stop = await engine.start?.(app);
    if (stop) stoppers.push(stop);
  }
  return async () => {
    for (const stop of stoppers.reverse()) await stop();
  };
}
