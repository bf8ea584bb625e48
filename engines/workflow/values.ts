/**
 * Value objects at run time: plain-JSON views, wrapping, size limits, and large values stored by
 * reference (a workflow_execution_data row; above BLOBSTORE_VALUE_BYTES the bytes themselves go to
 * the blob store), so that neither Temporal history nor execution rows carry them.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { text as readText } from 'node:stream/consumers';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { App } from '../../core/app';
import { theRow } from '../../core/errors';
import { lockOrgEvents } from '../../core/events';
import type { Db } from '../../db/client';
import { events, executionData, executions } from '../../db/schema';
import { ComponentError } from './components/registry';
import { valueObject, type ValueObject } from './model';
import type { ValueRef } from './plan';
import { upsertSessionObject, type SessionScope } from './session-objects';

/** Values above this size travel through Temporal history as references. */
export const INLINE_VALUE_LIMIT = 16 * 1024;
/** Stored values above this size live in the blob store rather than in a database row. */
export const BLOBSTORE_VALUE_BYTES = 256 * 1024;

/** The plain JSON a value object carries (what a condition compares). */
export function primitiveOf(value: ValueObject): unknown {
  switch (value.type) {
    case 'text':
      return value.text;
    case 'integer':
      return value.integer;
    case 'float':
      return value.float;
    case 'boolean':
      return value.flag;
    case 'choice':
      return value.id;
    case 'json':
      return value.json;
    case 'message':
      return value.message;
    case 'messages':
      return value.messages;
  }
}

/** A value object as is, or any other JSON wrapped as a `json` value. */
export function asValue(json: unknown): ValueObject {
  const parsed = valueObject.safeParse(json);
  return parsed.success ? parsed.data : { type: 'json', json };
}

export const isRef = (v: ValueRef): v is { $ref: string } => typeof (v as { $ref?: unknown }).$ref === 'string';

/** A stable UUID for a logical piece of data, so that a retried activity writes the same row. */
export function dataIdFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 3 : 1)} MiB`;

/** Refuses one value above BLOBHUB_MAX_VALUE_BYTES. `what` names it for the message. */
export function assertValueSize(app: App, what: string, bytes: number): void {
  const limit = app.config.BLOBHUB_MAX_VALUE_BYTES;
  if (bytes > limit)
    throw new ComponentError(`${what} is ${mib(bytes)}, above the limit of ${mib(limit)} per value (BLOBHUB_MAX_VALUE_BYTES)`, 'value_too_large');
}

/**
 * Stores a value of an execution under a stable id (a retry stores it once), within the
 * per-value and per-execution limits; throws ComponentError value_too_large otherwise. `db` is
 * the transaction that is creating the execution, if any.
 */
export async function storeData(app: App, executionId: string, id: string, value: unknown, db: Db = app.db): Promise<string> {
  const json = JSON.stringify(value);
  const bytes = Buffer.byteLength(json);
  assertValueSize(app, 'the value', bytes);
  await db.transaction(async (tx) => {
    await lockExecution(tx, executionId);
    const [existing] = await tx.select({ id: executionData.id }).from(executionData).where(eq(executionData.id, id));
    if (existing) return;
    await assertExecutionRoom(app, tx, executionId, bytes);
    let storageKey: string | null = null;
    if (bytes > BLOBSTORE_VALUE_BYTES && app.blobStore) {
      storageKey = `executions/${executionId}/data/${id}.json`;
      await app.blobStore.put(storageKey, Readable.from([Buffer.from(json)]), bytes);
    }
    await tx.insert(executionData).values({ id, executionId, value: storageKey ? null : value, storageKey, sizeBytes: bytes });
  });
  return id;
}

/** The execution row lock orders concurrent writers of one execution, so that its total holds. */
const lockExecution = (tx: Db, executionId: string) => tx.select({ id: executions.id }).from(executions).where(eq(executions.id, executionId)).for('update');

/**
 * Refuses `bytes` more for an execution whose stored values and session writes would then pass
 * BLOBHUB_MAX_EXECUTION_DATA_BYTES. Call with the execution locked (lockExecution).
 */
async function assertExecutionRoom(app: App, tx: Db, executionId: string, bytes: number) {
  const [{ total: values }, { total: sessionWrites }] = await Promise.all([
    tx
      .select({ total: sql<string>`coalesce(sum(${executionData.sizeBytes}), 0)` })
      .from(executionData)
      .where(eq(executionData.executionId, executionId))
      .then(theRow),
    tx
      .select({ total: sql<string>`coalesce(sum((${events.attributes} -> 'session_object' ->> 'size_bytes')::bigint), 0)` })
      .from(events)
      .where(and(eq(events.executionId, executionId), eq(events.type, 'session_object_modified')))
      .then(theRow),
  ]);
  const total = Number(values) + Number(sessionWrites) + bytes;
  const limit = app.config.BLOBHUB_MAX_EXECUTION_DATA_BYTES;
  if (total > limit) {
    throw new ComponentError(
      `the execution's values would reach ${mib(total)}, above the limit of ${mib(limit)} per execution (BLOBHUB_MAX_EXECUTION_DATA_BYTES)`,
      'value_too_large',
    );
  }
}

/**
 * A session object an execution's component writes (user code's set_session_object): it counts
 * with the execution's stored values against BLOBHUB_MAX_EXECUTION_DATA_BYTES, as over REST the
 * body limit bounds a write. A retried attempt's write (its event already recorded) counts once.
 */
export async function writeExecutionSessionObject(
  app: App,
  execution: SessionScope & { executionId: string },
  alias: string,
  value: unknown,
  dedupeKey: string,
) {
  await app.db.transaction(async (tx) => {
    // the write records an event: the org's event lock comes before the execution's row lock, the
    // order of every change that records events (deleting the org would deadlock with the reverse)
    await lockOrgEvents(tx, execution.orgId);
    await lockExecution(tx, execution.executionId);
    const bytes = jsonBytes(value);
    const [written] = await tx.select({ id: events.id }).from(events).where(eq(events.dedupeKey, dedupeKey));
    if (!written) await assertExecutionRoom(app, tx, execution.executionId, bytes);
    await upsertSessionObject(tx, execution, alias, value, dedupeKey, bytes);
  });
}

/** The value of a stored row, wherever it lives. */
export async function storedValue(app: App, row: typeof executionData.$inferSelect): Promise<unknown> {
  if (!row.storageKey) return row.value;
  if (!app.blobStore) throw new Error(`stored value ${row.id} is in a blob store this process does not have`);
  return JSON.parse(await readText(await app.blobStore.get(row.storageKey)));
}

/** Keeps small values inline and stores large ones, returning what may enter workflow history. */
export async function toRef(app: App, executionId: string, id: string, value: ValueObject): Promise<ValueRef> {
  return toRefsWithin(app, executionId, [{ id, value }]).then(theRow);
}

/**
 * The inline bytes one Temporal message of the interpreter (a component's result, the state a run
 * carries into the next) may hold: Temporal refuses messages of a few MiB, so the rest goes by reference.
 */
export const MESSAGE_INLINE_BYTES = 64 * 1024;

/**
 * Keeps values inline while each stays within INLINE_VALUE_LIMIT and all together within `budget`;
 * stores the others (and those marked `persist`) under their stable ids. Refs pass through.
 */
export async function toRefsWithin(
  app: App,
  executionId: string,
  values: { id: string; value: ValueRef; persist?: boolean }[],
  budget = MESSAGE_INLINE_BYTES,
): Promise<ValueRef[]> {
  const refs: ValueRef[] = [];
  for (const { id, value, persist } of values) {
    const bytes = isRef(value) ? 0 : jsonBytes(value);
    const inline = isRef(value) || (!persist && bytes <= Math.min(INLINE_VALUE_LIMIT, budget));
    if (inline) budget -= bytes;
    refs.push(inline ? value : { $ref: await storeData(app, executionId, id, value) });
  }
  return refs;
}

export async function resolveRefs(app: App, values: Record<string, ValueRef>): Promise<Record<string, ValueObject>> {
  const refs = Object.values(values)
    .filter(isRef)
    .map((v) => v.$ref);
  const rows = refs.length ? await app.db.select().from(executionData).where(inArray(executionData.id, refs)) : [];
  const byId = new Map(await Promise.all(rows.map(async (r) => [r.id, (await storedValue(app, r)) as ValueObject] as const)));
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => {
      if (!isRef(v)) return [k, v];
      const stored = byId.get(v.$ref);
      if (!stored) throw new Error(`stored value ${v.$ref} is missing`);
      return [k, stored];
    }),
  );
}

/**
 * An entry of an execution's input_data / output_data: the value inline, or (past the
 * execution's inline budget) a reference to fetch with get_execution_data.
 */
export type DataEntry = { alias: string; value: ValueObject } | { alias: string; data_id: string; size_bytes: number };
export const isDataRef = (e: DataEntry): e is Extract<DataEntry, { data_id: string }> => 'data_id' in e;

/**
 * Lays out values for an execution row: inline while the total stays within
 * BLOBHUB_EXECUTION_INLINE_BYTES, the rest stored (or already stored) and referenced, so that
 * execution rows, and lists of them, stay small whatever the values weigh.
 */
export async function toDataEntries(
  app: App,
  executionId: string,
  kind: 'input' | 'output',
  values: { alias: string; value: ValueRef }[],
  db: Db = app.db,
): Promise<DataEntry[]> {
  let budget = app.config.BLOBHUB_EXECUTION_INLINE_BYTES;
  const entries: DataEntry[] = [];
  for (const entry of values) {
    const { alias } = entry;
    let value = entry.value;
    if (isRef(value)) {
      const [row] = await db.select().from(executionData).where(eq(executionData.id, value.$ref));
      if (!row) throw new Error(`stored value ${value.$ref} is missing`);
      if (row.executionId === executionId) {
        entries.push({ alias, data_id: row.id, size_bytes: row.sizeBytes });
        continue;
      }
      // another execution's value (a subworkflow's output): this execution gets its own copy
      value = (await storedValue(app, row)) as ValueObject;
    }
    const bytes = jsonBytes(value);
    if (bytes <= budget) {
      budget -= bytes;
      entries.push({ alias, value });
    } else {
      entries.push({ alias, data_id: await storeData(app, executionId, dataIdFor(executionId, kind, alias), value, db), size_bytes: bytes });
    }
  }
  return entries;
}

/**
 * The entries toDataEntries would lay out when every value stays inline (none stored by reference,
 * all within BLOBHUB_EXECUTION_INLINE_BYTES together), without touching the database; otherwise none.
 */
export function inlineDataEntries(app: App, values: { alias: string; value: ValueRef }[]): DataEntry[] | undefined {
  let budget = app.config.BLOBHUB_EXECUTION_INLINE_BYTES;
  const entries: DataEntry[] = [];
  for (const { alias, value } of values) {
    if (isRef(value)) return undefined;
    budget -= jsonBytes(value);
    if (budget < 0) return undefined;
    entries.push({ alias, value });
  }
  return entries;
}

/** The values of stored entries as refs (what the interpreter passes around). */
export const entryRefs = (entries: DataEntry[]): { alias: string; value: ValueRef }[] =>
  entries.map((e) => ({ alias: e.alias, value: isDataRef(e) ? { $ref: e.data_id } : e.value }));
