/**
 * BlobHub's REST dialect: what the published clients (the `blobhub` SDK, `blobhub-cli`,
 * `blobhub-worker`) read on `/v1`. The native tRPC surface keeps the SPEC's words; the REST layer
 * passes every JSON body through `toRestBody` / `toRestError`.
 *
 * Records are recognised by their typed id prefix, so one rule covers a record wherever it
 * appears (a blob inside `{blob}`, a list, an event's data…).
 */
import { z } from 'zod';
import type { ErrorBody } from '../core/errors';
import { idPrefixes } from '../core/ids';

/** The blob type names the clients use, by the SPEC's short name. */
export const clientBlobTypes = {
  workflow: 'blobhub.compute.workflow',
  scheduler: 'blobhub.compute.scheduler',
  onnx: 'blobhub.model.onnx',
} as const;
export type ShortBlobType = keyof typeof clientBlobTypes;
const shortTypes = Object.keys(clientBlobTypes) as [ShortBlobType, ...ShortBlobType[]];
const shortOfClientType = new Map(Object.entries(clientBlobTypes).map(([short, long]) => [long as string, short as ShortBlobType]));

/** A blob type as input: the SPEC's short name or the clients' dotted one; parses to the short name. */
export const blobTypeInput = z
  .enum([...shortTypes, ...(Object.values(clientBlobTypes) as string[])] as [string, ...string[]])
  .transform((t): ShortBlobType => shortOfClientType.get(t) ?? (t as ShortBlobType));

/** The clients' status words for terminal states, by the SPEC's word (executions and operations). */
const clientStatusWords: Record<string, string> = { succeeded: 'completed', cancelled: 'stopped', timed_out: 'failed' };
const specStatusWords: Record<string, string[]> = { completed: ['succeeded'], stopped: ['cancelled'] };

/** A status filter in either vocabulary: the SPEC's statuses or BlobHub's words for them. */
export const statusFilterOf = <T extends string>(statuses: readonly T[]) =>
  z.enum([...statuses, ...Object.keys(specStatusWords)] as [string, ...string[]]).describe('a SPEC status, or BlobHub’s word for one (completed, stopped)');

/** The SPEC statuses a filter word stands for. */
export function specStatusesOf<T extends string>(word: string): T[] {
  return (specStatusWords[word] ?? [word]) as T[];
}

const prefix = (kind: keyof typeof idPrefixes) => `${idPrefixes[kind]}_`;

function dialectRecord(record: Record<string, unknown>): Record<string, unknown> {
  const id = record.id;
  if (typeof id !== 'string') return record;
  const out = { ...record };
  if (id.startsWith(prefix('org'))) {
    if (typeof out.name === 'string') out.alias ??= out.name;
  } else if (id.startsWith(prefix('blob'))) {
    if (typeof out.type === 'string' && out.type in clientBlobTypes) out.type = clientBlobTypes[out.type as ShortBlobType];
    if (typeof out.name === 'string') out.alias ??= out.name;
    if ('latest_revision_id' in out) out.default_revision_id ??= out.latest_revision_id;
  } else if (id.startsWith(prefix('revision'))) {
    if ('parent_revision_id' in out) out.parent_id ??= out.parent_revision_id;
    if (typeof out.created_at === 'string') out.updated_at ??= out.committed_at ?? out.created_at;
  } else if (id.startsWith(prefix('execution')) || id.startsWith(prefix('operation'))) {
    if (typeof out.status === 'string') out.status = clientStatusWords[out.status] ?? out.status;
  } else if (id.startsWith(prefix('event'))) {
    // BlobHub's clients keep an event's created_at as a string and pass it back as created_since
    if (typeof out.created_at === 'number') out.created_at = new Date(out.created_at).toISOString();
  } else if (id.startsWith(prefix('scheduleExecution'))) {
    if (typeof out.execution_status === 'string') out.execution_status = clientStatusWords[out.execution_status] ?? out.execution_status;
  }
  return out;
}

function walk(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(walk);
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, walk(v)] as const);
  return dialectRecord(Object.fromEntries(entries));
}

/** A success body as the clients read it: `"status": "success"` (unless the body has its own) and dialect records. */
export function toRestBody(body: unknown): unknown {
  const walked = walk(body);
  if (walked === null || typeof walked !== 'object' || Array.isArray(walked)) return walked;
  return { status: 'success', ...(walked as Record<string, unknown>) };
}

/**
 * A success body's JSON schema as `toRestBody` sends it: records gain the clients' fields (so
 * objects are open to more properties), blob types and terminal statuses are the clients' words.
 */
export function toRestSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(toRestSchema);
  if (schema === null || typeof schema !== 'object') return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) if (!(key === 'additionalProperties' && value === false)) out[key] = toRestSchema(value);
  if (Array.isArray(out.enum))
    out.enum = [...new Set(out.enum.map((word: string) => clientBlobTypes[word as ShortBlobType] ?? clientStatusWords[word] ?? word))];
  return out;
}

/** An error body: `{status: "error", error: "<code>", message, details?}` at the top level. */
export function toRestError(error: ErrorBody) {
  return { status: 'error', error: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) };
}
