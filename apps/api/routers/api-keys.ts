import { z } from 'zod';
import { createApiKey, listApiKeys, revokeApiKey, type ApiKeyRow } from '../../../core/api-keys';
import { requireTarget, targetNameOf, targetParams } from '../../../core/targets';
import { idOf, isoDate } from '../../../core/schemas';
import { pageQuery } from '../../../core/paging';
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
      const { key, secret } = await createApiKey(ctx.app.db, ctx.actor, ctx.caller.userId, target, input.role, input.description);
      return { api_key: { ...toApiKeyWire(key), secret } };
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
      const { items, cursor } = await listApiKeys(ctx.app.db, target, ctx.caller.userId, input);
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
      await revokeApiKey(ctx.app.db, ctx.actor, target, ctx.caller.userId, input.key_id);
      return {};
    }),
});
