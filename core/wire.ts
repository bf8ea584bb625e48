/** Zod schemas and row → wire mappers shared by the REST routers and the engines. */
import { z } from 'zod';
import type { blobs, orgs, revisions, users, operations } from '../db/schema';
import { badRequest } from './errors';
import { idPrefixes, type IdKind } from './ids';
import { MAX_LIST_LIMIT } from './limits';

export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug: lowercase letters, digits and dashes, 1-63 chars');

/**
 * Names of the sub-resources under /blobs/{blob_id}/…: a blob called like one of them could not
 * be addressed as /blobs/{org}/{blob}, so they are reserved.
 */
const reservedBlobNames = new Set(['revisions', 'members', 'credentials', 'metadata', 'operations']);
export const blobName = slug.refine((name) => !reservedBlobNames.has(name), 'is reserved (a sub-resource name of /blobs/{blob_id}/…)');

/** An id of one kind, e.g. `blb_…`. */
export const idOf = (kind: IdKind) => z.string().regex(new RegExp(`^${idPrefixes[kind]}_[0-9a-z]{26}$`), `must be a ${idPrefixes[kind]}_… id`);

/** An id, or a slug name (orgs and blobs may be addressed by name). */
export const idOrName = (kind: IdKind) => z.union([idOf(kind), slug]);

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be found
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Deeper than any BlobHub value needs; deeper input is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 100;

const unstorableText = 'text must not contain U+0000 or unpaired surrogates';

export interface InputProblem {
  path: (string | number)[];
  message: string;
}

/**
 * The first place in a request's input that cannot be accepted: a string (value or key)
 * PostgreSQL cannot store as text (U+0000 or an unpaired surrogate), or nesting deeper than
 * MAX_INPUT_DEPTH. Checked once at the edge, so such input is a 400, never a 500.
 */
export function inputProblem(value: unknown, path: (string | number)[] = []): InputProblem | undefined {
  if (typeof value === 'string') return unstorable.test(value) ? { path, message: unstorableText } : undefined;
  if (!value || typeof value !== 'object') return undefined;
  if (path.length >= MAX_INPUT_DEPTH) return { path, message: `nested deeper than ${MAX_INPUT_DEPTH} levels` };
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === 'string' && unstorable.test(key)) return { path: [...path, key], message: unstorableText };
    const found = inputProblem(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Throws the 400 for the first problem of inputProblem, naming where it is. */
export function assertAcceptableInput(value: unknown) {
  const problem = inputProblem(value);
  if (!problem) return;
  const field = problem.path.length > 8 ? `${problem.path.slice(0, 8).join('.')}…` : problem.path.join('.') || '(body)';
  throw badRequest(`${field}: ${problem.message}`, [problem]);
}

/** An email address, documented by the very pattern zod checks (not the looser `format: email`). */
export const emailAddress = z.string().regex(z.regexes.email, 'must be an email address').max(320);

export const role = z.enum(['read', 'write', 'admin']);
export const isoDate = z.string().describe('ISO 8601 UTC timestamp');

/**
 * A page's cursor is the raw key of the last item it showed: an id, or a number for numbered
 * lists (revisions, event seqs). Documented with its exact pattern, so that every cursor the
 * document allows is one the list can continue after; a zod failure on it is `invalid_cursor`.
 */
// Numbers stay below PostgreSQL's integer limit (2^31 - 1), which numbered lists compare against.
const keyCursor = z.string().regex(/^([a-z]{2,5}_[0-9a-z]{26}|[0-9]{1,9})$/, 'must be a cursor a list gave out (an id or a number)');
const numberCursor = z.string().regex(/^[0-9]{1,9}$/, 'must be a cursor this list gave out (a number)');
const limit = z.coerce.number().int().min(1).max(MAX_LIST_LIMIT).default(20);

export const pageQuery = { limit, cursor: keyCursor.optional() };
/** The page query of a numbered list (revisions by number). */
export const numberPageQuery = { limit, cursor: numberCursor.optional() };

/** The number in a numbered list's cursor (revision numbers, event seqs), which `numberPageQuery` checked. */
export const decodeNumberCursor = (cursor?: string): number | undefined => (cursor === undefined ? undefined : Number(cursor));

const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);

export const userWire = z.object({ id: z.string(), email: z.string(), name: z.string(), is_instance_admin: z.boolean(), created_at: isoDate });
export const toUserWire = (u: typeof users.$inferSelect) => ({
  id: u.id,
  email: u.email,
  name: u.name,
  is_instance_admin: u.isInstanceAdmin,
  created_at: u.createdAt.toISOString(),
});

export const orgWire = z.object({
  id: z.string(),
  name: z.string(),
  display_name: z.string().nullable(),
  description: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
});
export const toOrgWire = (o: typeof orgs.$inferSelect) => ({
  id: o.id,
  name: o.name,
  display_name: o.displayName,
  description: o.description,
  created_at: o.createdAt.toISOString(),
  updated_at: o.updatedAt.toISOString(),
});

export const blobWire = z.object({
  id: z.string(),
  org_id: z.string(),
  name: z.string(),
  type: z.enum(['workflow', 'scheduler', 'onnx']),
  visibility: z.enum(['private', 'public']),
  description: z.string().nullable(),
  created_at: isoDate,
  updated_at: isoDate,
  latest_revision_id: z.string().nullable(),
  latest_snapshot_id: z.string().nullable(),
});
export const toBlobWire = (b: typeof blobs.$inferSelect) => ({
  id: b.id,
  org_id: b.orgId,
  name: b.name,
  type: b.type,
  visibility: b.visibility,
  description: b.description,
  created_at: b.createdAt.toISOString(),
  updated_at: b.updatedAt.toISOString(),
  latest_revision_id: b.latestRevisionId,
  latest_snapshot_id: b.latestSnapshotId,
});

export const revisionWire = z.object({
  id: z.string(),
  blob_id: z.string(),
  number: z.number().int(),
  phase: z.enum(['draft', 'commit', 'snapshot']),
  status: z.enum(['ready', 'processing', 'failed']),
  status_reason: z.string().nullable(),
  comment: z.string().nullable(),
  parent_revision_id: z.string().nullable(),
  content_hash: z.string().nullable(),
  created_by: z.string().nullable(),
  created_at: isoDate,
  committed_at: isoDate.nullable(),
  snapshotted_at: isoDate.nullable(),
});
export const toRevisionWire = (r: typeof revisions.$inferSelect) => ({
  id: r.id,
  blob_id: r.blobId,
  number: r.number,
  phase: r.phase,
  status: r.status,
  status_reason: r.statusReason,
  comment: r.comment,
  parent_revision_id: r.parentRevisionId,
  content_hash: r.contentHash,
  created_by: r.createdBy,
  created_at: r.createdAt.toISOString(),
  committed_at: iso(r.committedAt),
  snapshotted_at: iso(r.snapshottedAt),
});

export const operationWire = z.object({
  id: z.string(),
  type: z.string(),
  status: z.enum(['pending', 'running', 'succeeded', 'failed', 'cancelled']),
  progress: z.number(),
  target: z.object({ type: z.string(), id: z.string() }),
  result: z.unknown(),
  error: z.unknown(),
  created_at: isoDate,
  updated_at: isoDate,
});
export const toOperationWire = (o: typeof operations.$inferSelect) => ({
  id: o.id,
  type: o.type,
  status: o.status,
  progress: o.progress,
  target: { type: o.targetType, id: o.targetId },
  result: o.result ?? null,
  error: o.error ?? null,
  created_at: o.createdAt.toISOString(),
  updated_at: o.updatedAt.toISOString(),
});
