import { and, desc, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { roleAtLeast } from '../../../core/access';
import { randomSecret, sha256Hex } from '../../../core/crypto';
import { notFound, theRow } from '../../../core/errors';
import { afterCursor, fetchPage } from '../../../core/paging';
import { idOf, isoDate, pageQuery } from '../../../core/wire';
import { newId } from '../../../core/ids';
import { requireTarget, targetNameOf, targetParams, type ResolvedTarget } from '../../../core/targets';
import { apiKeys } from '../../../db/schema';
import { authedProcedure, router } from '../trpc';

const params = targetParams('orgs', 'blobs', 'users');
/** an `admin` key acts with its creator's full rights on its target */
const keyRole = z.enum(['read', 'write', 'admin']);

const apiKeyWire = z.object({
  id: z.string(),
  role: keyRole,
  description: z.string().nullable(),
  target: z.enum(['orgs', 'blobs', 'users']),
  target_id: z.string(),
  created_by: z.string(),
  created_at: isoDate,
  prefix: z.string().describe('the first characters of the secret, to recognise a key'),
});

type ApiKeyRow = typeof apiKeys.$inferSelect;
const toApiKeyWire = (k: ApiKeyRow) => ({
  id: k.id,
  role: k.role,
  description: k.description,
  target: targetNameOf(k.targetType) as 'orgs' | 'blobs' | 'users',
  target_id: k.targetId,
  created_by: k.userId,
  created_at: k.createdAt.toISOString(),
  prefix: k.prefix,
});

const keyType = (target: ResolvedTarget) => target.type as ApiKeyRow['targetType'];
/** Active keys of the target: all of them for its admins, only their own for everyone else. */
const visibleKeys = (target: ResolvedTarget, userId: string) =>
  and(
    eq(apiKeys.targetType, keyType(target)),
    eq(apiKeys.targetId, target.id),
    isNull(apiKeys.revokedAt),
    roleAtLeast(target.role, 'admin') ? undefined : eq(apiKeys.userId, userId),
  );

export const apiKeysRouter = router({
  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/{target}/{target_id}/api_keys',
        tags: ['api keys'],
        summary: 'Create an API key; the secret is returned only this once (admin)',
      },
    })
    .input(z.object({ ...params, role: keyRole, description: z.string().max(500).optional() }))
    .output(z.object({ api_key: apiKeyWire.extend({ secret: z.string() }) }))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      const secret = randomSecret('bhk');
      const row = await ctx.app.db
        .insert(apiKeys)
        .values({
          id: newId('apiKey'),
          targetType: keyType(target),
          targetId: target.id,
          // A personal key acts as its user, even when an instance admin issued it.
          userId: target.type === 'user' ? target.id : ctx.caller.userId,
          role: input.role,
          description: input.description ?? null,
          prefix: secret.slice(0, 12),
          secretHash: sha256Hex(secret),
        })
        .returning()
        .then(theRow);
      return { api_key: { ...toApiKeyWire(row), secret } };
    }),

  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/{target}/{target_id}/api_keys',
        tags: ['api keys'],
        summary: 'Active API keys (admins see all, others their own); no secrets',
      },
    })
    .input(z.object({ ...params, ...pageQuery }))
    .output(z.object({ api_keys: z.array(apiKeyWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'read');
      const { items, cursor } = await fetchPage(input.limit, (take) =>
        ctx.app.db
          .select()
          .from(apiKeys)
          .where(and(visibleKeys(target, ctx.caller.userId), afterCursor(apiKeys.id, input.cursor)))
          .orderBy(desc(apiKeys.id))
          .limit(take),
      );
      return { api_keys: items.map(toApiKeyWire), cursor };
    }),

  revoke: authedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/{target}/{target_id}/api_keys/{key_id}',
        tags: ['api keys'],
        summary: 'Revoke an API key at once (admin, or its creator)',
      },
    })
    .input(z.object({ ...params, key_id: idOf('apiKey') }))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'read');
      const [revoked] = await ctx.app.db
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(visibleKeys(target, ctx.caller.userId), eq(apiKeys.id, input.key_id)))
        .returning({ id: apiKeys.id });
      if (!revoked) throw notFound('API key');
      return {};
    }),
});
