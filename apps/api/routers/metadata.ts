import { z } from 'zod';
import { deleteMetadata, metadataOf, putMetadata } from '../../../core/metadata';
import { requireTarget, targetParams } from '../../../core/targets';
import { authedProcedure, publicProcedure, router } from '../trpc';

const params = targetParams('blobs', 'revisions');
const MAX_VALUE_BYTES = 16 * 1024;

const metadataKey = z.string().regex(/^[a-z0-9_.-]{1,128}$/, 'lowercase letters, digits, _ . -, 1-128 chars');
const metadataValue = z
  .unknown()
  .refine((v) => v !== undefined, 'required: any JSON value')
  .refine((v) => Buffer.byteLength(JSON.stringify(v) ?? '') <= MAX_VALUE_BYTES, `must be at most ${MAX_VALUE_BYTES} bytes as JSON`);

export const metadataRouter = router({
  list: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/{target}/{target_id}/metadata', tags: ['metadata'], summary: 'All metadata of a blob or revision' } })
    .input(z.object(params))
    .output(z.object({ metadata: z.record(z.string(), z.unknown()) }))
    .query(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'read');
      return { metadata: await metadataOf(ctx.app.db, target) };
    }),

  put: authedProcedure
    .meta({
      openapi: { method: 'PUT', path: '/{target}/{target_id}/metadata/{key}', tags: ['metadata'], summary: 'Set one metadata value (JSON, at most 16 KiB)' },
    })
    .input(z.object({ ...params, key: metadataKey, value: metadataValue }))
    .output(z.object({ key: z.string(), value: z.unknown() }))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'write');
      await putMetadata(ctx.app, ctx.actor, target, input.key, input.value);
      return { key: input.key, value: input.value };
    }),

  delete: authedProcedure
    .meta({ openapi: { method: 'DELETE', path: '/{target}/{target_id}/metadata/{key}', tags: ['metadata'], summary: 'Remove one metadata value' } })
    .input(z.object({ ...params, key: metadataKey }))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'write');
      await deleteMetadata(ctx.app, ctx.actor, target, input.key);
      return {};
    }),
});
