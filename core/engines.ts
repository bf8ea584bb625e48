/**
 * The engine registry. An engine is a module that registers its data commands (docs/spec.md §3 "Engine
 * data commands"), the hooks the revision lifecycle calls, and what the API and the worker run for
 * it (HTTP routes, Temporal workflows and activities, background services). Engines live in
 * engines/<name>/.
 */
import type { UntypedActivities } from '@temporalio/common';
import type { z } from 'zod';
import type { Db, Transaction } from '../db/client';
import type { blobs, revisions } from '../db/schema';
import type { Action, Caller, Role } from './access';
import type { App } from './app';
import type { Actor } from './actor';
import { badRequest } from './errors';
import type { HttpExtension } from './http';
import { loadRevision } from './resources';

export type BlobType = (typeof blobs.$inferSelect)['type'];
export type BlobRow = typeof blobs.$inferSelect;
export type RevisionRow = typeof revisions.$inferSelect;

export interface CommandContext {
  app: App;
  caller: Caller;
  /** the caller as the audit log records changes */
  actor: Actor;
  /** the caller's effective role on the blob */
  role: Role;
  blob: BlobRow;
  revision: RevisionRow;
  /** the request's `Idempotency-Key` header, if it sent one (create commands honour it) */
  idempotencyKey?: string;
}

export type CommandKind = 'query' | 'command';
/** What a command answers: a JSON object (the REST body's fields beside `status`). */
export type CommandResult = Record<string, unknown>;

/**
 * One data command, defined once: the API derives both its typed tRPC procedure and its entry in
 * `/v1/revisions/:id/data` from it, so the result type `R` reaches every client.
 */
export interface EngineCommand<S extends z.ZodType = z.ZodType, R extends CommandResult = CommandResult, K extends CommandKind = CommandKind> {
  /** queries need `read`; commands need `write` and are refused on `/data/query` */
  kind: K;
  /** content-changing commands run only on a draft revision (409 otherwise) */
  draftOnly?: boolean;
  input: S;
  run(ctx: CommandContext, input: z.infer<S>): Promise<R>;
}

export function defineCommand<S extends z.ZodType, R extends CommandResult, K extends CommandKind>(command: EngineCommand<S, R, K>): EngineCommand<S, R, K> {
  return command;
}

export type EngineCommands = Record<string, EngineCommand>;

export interface CommitProblem {
  message: string;
  [key: string]: unknown;
}

/** A limit an engine's users run into, served in the blob's limit catalog (core/limits.ts). */
export interface EngineLimit {
  id: string;
  value: unknown;
  description: string;
}

/** An engine; `C`, its commands' own types, is what the API's typed router for it is made of. */
export interface Engine<C extends EngineCommands = EngineCommands> {
  name: string;
  aliases?: string[];
  blobType: BlobType;
  commands: C;
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
  /** The limits of its blobs, listed in their limit catalog after the platform's. */
  limits?: EngineLimit[];
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

function namedEngine(name: string): Engine {
  const engine = findEngine(name);
  if (!engine) throw badRequest(`unknown engine ${name}`);
  return engine;
}

function engineServing(type: BlobType): Engine {
  const engine = engineForBlobType(type);
  if (!engine) throw badRequest(`no engine serves ${type} blobs`);
  return engine;
}

export interface EngineRequest<T extends { action: Action }> {
  revisionId: string;
  /** the engine the request names; none: the one serving the revision's blob type */
  engine?: string;
  /** What the request asks of its engine (e.g. one of its commands) and the access that needs; may refuse it. */
  use(engine: Engine): T;
}

/**
 * May this engine serve this revision, for this caller: the data route and the engines' raw routes
 * all ask here. The revision is loaded once; a request naming no engine must be allowed to read
 * the revision before its blob type names the engine.
 */
export async function requireEngineRevision<T extends { action: Action }>(db: Db, caller: Caller, request: EngineRequest<T>) {
  let loaded: Awaited<ReturnType<typeof loadRevision>> | undefined;
  let engine: Engine;
  if (request.engine === undefined) {
    loaded = await loadRevision(db, caller, request.revisionId);
    await loaded.authorize('read');
    engine = engineServing(loaded.blob.type);
  } else engine = namedEngine(request.engine);
  const use = request.use(engine);
  const { revision, blob, authorize } = loaded ?? (await loadRevision(db, caller, request.revisionId));
  const role = await authorize(use.action);
  if (engineForBlobType(blob.type) !== engine) throw badRequest(`engine ${engine.name} does not serve ${blob.type} blobs`);
  return { ...use, engine, revision, blob, role };
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
