/** Webhook triggers (docs/spec.md §4 "Webhook triggers"): their settings, as zod schemas, and their wire shape. */
import { z } from 'zod';
import type { App } from '../../../core/app';
import { MAX_JSON_BODY } from '../../../core/limits';
import type { workflowTriggers } from '../../../db/schema';
import { definitionAlias } from '../commands/definitions';

/** Where one execution input comes from: a JSON pointer into the body, or a query parameter or header by name. */
export const inputMappingEntry = z
  .strictObject({
    /** the execution input (`input_data` alias) it fills */
    alias: z.string().min(1).max(128),
    source: z.enum(['body', 'query', 'header']),
    /** body: a JSON pointer (RFC 6901; `` is the whole body); query, header: the name */
    path: z.string().max(512),
    type: z.enum(['text', 'integer', 'float', 'boolean', 'json']),
    /** a required input missing from the request is a 400; an optional one is left out or takes `default` */
    required: z.boolean().default(true),
    default: z.unknown().optional(),
  })
  .superRefine((entry, ctx) => {
    if (entry.source === 'body' && entry.path !== '' && !entry.path.startsWith('/'))
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'a body path is a JSON pointer: empty (the whole body) or starting with /' });
    if (entry.source !== 'body' && entry.path === '') ctx.addIssue({ code: 'custom', path: ['path'], message: `name the ${entry.source} to read` });
  });
export type InputMappingEntry = z.infer<typeof inputMappingEntry>;

/** A trigger's settings as create_trigger takes them (and the trigger row keeps them). */
export const triggerSpec = z.strictObject({
  /** the definition it runs */
  alias: definitionAlias,
  /** `revision`: the revision the command was sent to; `default`: the blob's default revision at each request */
  runs: z.enum(['revision', 'default']).default('revision'),
  name: z.string().min(1).max(128).optional(),
  description: z.string().max(1024).optional(),
  /** `hmac`: a signature over timestamp + body (X-BlobHub-Timestamp, X-BlobHub-Signature); `secret`: the secret itself as a bearer token */
  auth: z.enum(['hmac', 'secret']).default('hmac'),
  /** hmac: how far the signed timestamp may be from the server's clock */
  timestamp_tolerance_seconds: z.number().int().min(1).max(3600).default(300),
  /** `async`: 202 with the execution at once; `sync`: waits for the outputs up to sync_timeout_seconds */
  mode: z.enum(['async', 'sync']).default('async'),
  sync_timeout_seconds: z.number().int().min(1).max(60).default(30),
  input_mapping: z
    .array(inputMappingEntry)
    .max(100)
    .default([])
    .refine((entries) => new Set(entries.map((e) => e.alias)).size === entries.length, 'each input alias is mapped once'),
  /** accepted requests per minute; more get 429 with Retry-After */
  rate_limit_per_minute: z.number().int().min(1).max(10_000).default(60),
  max_body_bytes: z
    .number()
    .int()
    .min(1)
    .max(MAX_JSON_BODY)
    .default(256 * 1024),
});
export type TriggerSpec = z.infer<typeof triggerSpec>;

export type TriggerRow = typeof workflowTriggers.$inferSelect;

export const specOf = (row: TriggerRow) => row.spec as TriggerSpec;

/** The public URL a sender posts to. */
export const hookUrl = (app: App, id: string) => `${app.publicUrl}/hooks/${id}`;

export function toTriggerWire(app: App, row: TriggerRow) {
  return {
    id: row.id,
    blob_id: row.blobId,
    /** null: runs the blob's default revision */
    revision_id: row.revisionId,
    url: hookUrl(app, row.id),
    status: row.revokedAt ? ('revoked' as const) : ('active' as const),
    ...specOf(row),
    /** the secret's first characters, to tell secrets apart; the secret itself is shown once */
    secret_prefix: row.secretPrefix,
    created_by: row.ownerId,
    created_by_key_id: row.createdByKeyId,
    created_at: row.createdAt.toISOString(),
    rotated_at: row.rotatedAt?.toISOString() ?? null,
    revoked_at: row.revokedAt?.toISOString() ?? null,
    last_used_at: row.lastUsedAt?.toISOString() ?? null,
  };
}
