/**
 * Idempotency keys of create commands (docs/spec.md §2 "Idempotency"): per org, a key names one
 * request for BLOBHUB_IDEMPOTENCY_RETENTION_HOURS. The first request claims it with the hash of its
 * body and the id of what it creates; a repeat with the same body gets that id back (the command
 * then creates, or finds, exactly that resource), a different body is a 409.
 */
import { and, eq, lt, sql } from 'drizzle-orm';
import stableStringify from 'fast-json-stable-stringify';
import { z } from 'zod';
import { idempotencyKeys } from '../db/schema';
import type { App } from './app';
import { sha256Hex } from './crypto';
import { ApiError, badRequest } from './errors';

/** What clients send as `idempotency_key` or `Idempotency-Key`: printable ASCII, as Stripe takes it. */
export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces');

/** The key of a request: its body field or its header; both given must agree. */
export function requestIdempotencyKey(field: string | undefined, header: string | undefined): string | undefined {
  if (header === undefined) return field;
  const parsed = idempotencyKeySchema.safeParse(header);
  if (!parsed.success) throw badRequest('invalid Idempotency-Key header', parsed.error.issues);
  if (field !== undefined && field !== header) throw badRequest('the idempotency_key field and the Idempotency-Key header differ');
  return header;
}

/** The hash a repeat must match: the command and its parameters in a canonical key order. */
export const requestHash = (command: string, scope: string, params: unknown) => sha256Hex(stableStringify({ command, scope, params }));

const retentionCutoff = (app: App) => sql`now() - make_interval(hours => ${app.config.BLOBHUB_IDEMPOTENCY_RETENTION_HOURS})`;

/**
 * Claims `key` for this request, or finds the earlier claim: the id the request is to create
 * (`candidateId` when it is the first). One statement, so concurrent duplicates agree on one id.
 */
export async function claimIdempotencyKey(app: App, claim: { orgId: string; key: string; requestHash: string; candidateId: string }): Promise<string> {
  const [claimed] = await app.db
    .insert(idempotencyKeys)
    .values({ orgId: claim.orgId, key: claim.key, requestHash: claim.requestHash, resultId: claim.candidateId })
    .onConflictDoUpdate({
      target: [idempotencyKeys.orgId, idempotencyKeys.key],
      // a key past its retention window is free again
      set: { requestHash: claim.requestHash, resultId: claim.candidateId, createdAt: sql`now()` },
      setWhere: lt(idempotencyKeys.createdAt, retentionCutoff(app)),
    })
    .returning();
  if (claimed) return claimed.resultId;
  const [earlier] = await app.db
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.orgId, claim.orgId), eq(idempotencyKeys.key, claim.key)));
  // the claim exists: the upsert above did not take it, so it is within its window
  if (!earlier) throw new ApiError('unavailable', 'the idempotency key changed hands meanwhile; try again');
  if (earlier.requestHash !== claim.requestHash) {
    throw new ApiError('conflict', `idempotency key ${claim.key} was already used with a different request`, {
      engineCode: 'idempotency_key_reused',
      details: { idempotency_key: claim.key },
    });
  }
  return earlier.resultId;
}

/** Forgets keys past their retention window (the workflow engine's reconciler calls it). */
export async function sweepIdempotencyKeys(app: App): Promise<void> {
  await app.db.delete(idempotencyKeys).where(lt(idempotencyKeys.createdAt, retentionCutoff(app)));
}
