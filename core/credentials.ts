/**
 * Credentials: named secrets for components (an HTTP token, cloud keys). Bodies are sealed with
 * AES-256-GCM under the instance secret key and only opened at the moment of use.
 */
import { and, eq, or } from 'drizzle-orm';
import { credentials } from '../db/schema';
import type { App } from './app';
import { decrypt, encrypt } from './crypto';

export type CredentialBody = Record<string, unknown>;

export const sealCredentialBody = (app: App, body: CredentialBody) => encrypt(app.secretKey, JSON.stringify(body));

/** Lookup order: the more specific target wins (blob, then org, then the user). */
const precedence = ['blob', 'org', 'user'] as const;

/**
 * Finds a credential by alias for a run: on the blob, else its org, else the user the run acts
 * as. Returns null when none of them has it.
 */
export async function resolveCredential(
  app: App,
  scope: { userId?: string | null; orgId?: string | null; blobId?: string | null; alias: string },
): Promise<{ type: string; body: CredentialBody } | null> {
  const ids = { blob: scope.blobId, org: scope.orgId, user: scope.userId };
  const candidates = precedence
    .filter((type) => ids[type])
    .map((type) => and(eq(credentials.targetType, type), eq(credentials.targetId, ids[type]!)));
  if (candidates.length === 0) return null;
  const rows = await app.db
    .select()
    .from(credentials)
    .where(and(eq(credentials.alias, scope.alias), or(...candidates)));
  const best = precedence.map((type) => rows.find((r) => r.targetType === type)).find(Boolean);
  if (!best) return null;
  return { type: best.type, body: JSON.parse(decrypt(app.secretKey, best.encryptedBody)) as CredentialBody };
}
