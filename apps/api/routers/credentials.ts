import { z } from 'zod';
import { allowedHostPattern, deleteCredential, listCredentials, storeCredential, type CredentialRow } from '../../../core/credentials';
import { requireTarget, targetParams } from '../../../core/targets';
import { idOf, isoDate } from '../../../core/schemas';
import { pageQuery } from '../../../core/paging';
import { authedProcedure, router } from '../trpc';

const params = targetParams('users', 'orgs', 'blobs');
const MAX_BODY_BYTES = 16 * 1024;

const credentialWire = z.object({
  id: z.string(),
  alias: z.string(),
  type: z.string(),
  description: z.string().nullable(),
  allowed_hosts: z.array(z.string()),
  created_at: isoDate,
});

const toCredentialWire = (c: CredentialRow) => ({
  id: c.id,
  alias: c.alias,
  type: c.type,
  description: c.description,
  allowed_hosts: c.allowedHosts,
  created_at: c.createdAt.toISOString(),
});

const secretBody = z
  .record(z.string(), z.unknown())
  .refine((body) => Buffer.byteLength(JSON.stringify(body)) <= MAX_BODY_BYTES, `must be at most ${MAX_BODY_BYTES} bytes as JSON`)
  .describe('the secret itself, e.g. {"token": "…"}; write-only');

export const credentialsRouter = router({
  create: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/{target}/{target_id}/credentials',
        tags: ['credentials'],
        summary: 'Store a credential, encrypted at rest (admin; users: yourself)',
      },
    })
    .input(
      z.object({
        ...params,
        alias: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'letters, digits, _ . -, up to 128 chars'),
        type: z.string().regex(/^[a-z0-9][a-z0-9_.-]{0,63}$/, 'lowercase letters, digits, _ . -, up to 64 chars'),
        body: secretBody,
        description: z.string().max(500).optional(),
        allowed_hosts: z
          .array(allowedHostPattern)
          .max(50)
          .default([])
          .describe(
            'hosts a component may send the credential to (`api.example.com`, `host:port`, `*.example.com`); without a port only the default port; empty = nowhere',
          ),
      }),
    )
    .output(z.object({ credential_id: z.string() }))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      const { alias, type, body, description, allowed_hosts: allowedHosts } = input;
      return { credential_id: await storeCredential(ctx.app, ctx.actor, target, ctx.caller.userId, { alias, type, body, description, allowedHosts }) };
    }),

  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/{target}/{target_id}/credentials',
        tags: ['credentials'],
        summary: 'Credentials (aliases and types; bodies are never returned)',
      },
    })
    .input(z.object({ ...params, ...pageQuery }))
    .output(z.object({ credentials: z.array(credentialWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'write');
      const { items, cursor } = await listCredentials(ctx.app, target, input);
      return { credentials: items.map(toCredentialWire), cursor };
    }),

  delete: authedProcedure
    .meta({
      openapi: {
        method: 'DELETE',
        path: '/{target}/{target_id}/credentials/{credential_id}',
        tags: ['credentials'],
        summary: 'Delete a credential (admin; users: yourself)',
      },
    })
    .input(z.object({ ...params, credential_id: idOf('credential') }))
    .output(z.object({}))
    .mutation(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'admin');
      await deleteCredential(ctx.app, ctx.actor, target, input.credential_id);
      return {};
    }),
});
