import { and, desc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { allowedHostPattern, sealCredentialBody } from '../../../core/credentials';
import { conflict, notFound } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { requireTarget, targetParams, type ResolvedTarget } from '../../../core/targets';
import { afterCursor, fetchPage } from '../../../core/paging';
import { idOf, isoDate, pageQuery } from '../../../core/wire';
import { credentials } from '../../../db/schema';
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

type CredentialRow = typeof credentials.$inferSelect;
const toCredentialWire = (c: CredentialRow) => ({
  id: c.id,
  alias: c.alias,
  type: c.type,
  description: c.description,
  allowed_hosts: c.allowedHosts,
  created_at: c.createdAt.toISOString(),
});

const credentialType = (target: ResolvedTarget) => target.type as CredentialRow['targetType'];
const ofTarget = (target: ResolvedTarget) => and(eq(credentials.targetType, credentialType(target)), eq(credentials.targetId, target.id));

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
      const [row] = await ctx.app.db
        .insert(credentials)
        .values({
          id: newId('credential'),
          targetType: credentialType(target),
          targetId: target.id,
          alias: input.alias,
          type: input.type,
          description: input.description ?? null,
          encryptedBody: sealCredentialBody(ctx.app, input.body),
          allowedHosts: input.allowed_hosts,
          createdBy: ctx.caller.userId,
        })
        .onConflictDoNothing()
        .returning({ id: credentials.id });
      if (!row) throw conflict(`a credential with alias ${input.alias} already exists here`);
      return { credential_id: row.id };
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
      const { items, cursor } = await fetchPage(input.limit, (take) =>
        ctx.app.db
          .select()
          .from(credentials)
          .where(and(ofTarget(target), afterCursor(credentials.id, input.cursor)))
          .orderBy(desc(credentials.id))
          .limit(take),
      );
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
      const removed = await ctx.app.db
        .delete(credentials)
        .where(and(ofTarget(target), eq(credentials.id, input.credential_id)))
        .returning({ id: credentials.id });
      if (removed.length === 0) throw notFound('credential');
      return {};
    }),
});
