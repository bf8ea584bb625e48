/** create/list/get/rotate/revoke webhook triggers (docs/spec.md §4 "Webhook triggers"). */
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import { userIdOf, type Caller } from '../../../core/access';
import type { App } from '../../../core/app';
import { auditCommand } from '../../../core/audit';
import { encrypt, randomSecret } from '../../../core/crypto';
import { defineCommand, type CommandContext } from '../../../core/engines';
import { conflict, notFound, theRow, unauthenticated } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { fetchPage, newestFirst, pageQuery } from '../../../core/paging';
import { idOf } from '../../../core/schemas';
import type { Db } from '../../../db/client';
import { workflowTriggers } from '../../../db/schema';
import { findDefinition } from '../executions';
import { specOf, toTriggerWire, triggerSpec, type TriggerRow } from './model';

const triggerId = idOf('trigger');

/** A new secret: returned once, stored encrypted (an HMAC check needs it back). */
function newSecret(app: App) {
  const secret = randomSecret('bhw');
  return { secret, sealed: encrypt(app.secretKey, secret), prefix: secret.slice(0, 10) };
}

/** Who the trigger's executions run as: its creator (the dispatch checked write access, which anonymous callers never have). */
function ownerOf(caller: Caller): string {
  const userId = userIdOf(caller);
  if (!userId) throw unauthenticated();
  return userId;
}

async function requireTrigger(ctx: CommandContext, id: string): Promise<TriggerRow> {
  const [row] = await ctx.app.db
    .select()
    .from(workflowTriggers)
    .where(and(eq(workflowTriggers.id, id), eq(workflowTriggers.blobId, ctx.blob.id)));
  if (!row) throw notFound('trigger');
  return row;
}

/** A trigger change's audit entry: what it starts and how, never its secret. */
const auditTrigger = (tx: Db, ctx: CommandContext, verb: string, row: TriggerRow) =>
  auditCommand(tx, ctx, `trigger.${verb}`, { type: 'trigger', id: row.id }, { alias: specOf(row).alias, runs: specOf(row).runs, mode: specOf(row).mode });

export const triggerCommands = {
  create_trigger: defineCommand({
    kind: 'command',
    input: triggerSpec,
    async run(ctx, spec) {
      const { app, caller, blob, revision } = ctx;
      // the definition must exist where the trigger starts; for `default`, in the revision it is created from
      await findDefinition(app.db, revision.id, { alias: spec.alias });
      const { secret, sealed, prefix } = newSecret(app);
      const row = await app.db.transaction(async (tx) => {
        const created = await tx
          .insert(workflowTriggers)
          .values({
            id: newId('trigger'),
            blobId: blob.id,
            revisionId: spec.runs === 'revision' ? revision.id : null,
            ownerId: ownerOf(caller),
            createdByKeyId: caller.kind === 'key' ? caller.keyId : null,
            spec,
            secretSealed: sealed,
            secretPrefix: prefix,
          })
          .returning()
          .then(theRow);
        await auditTrigger(tx, ctx, 'create', created);
        return created;
      });
      return { trigger: { ...toTriggerWire(app, row), secret } };
    },
  }),
  list_triggers: defineCommand({
    kind: 'query',
    input: z.strictObject({ include_revoked: z.boolean().default(false), ...pageQuery }),
    async run({ app, blob }, { include_revoked, limit, cursor }) {
      const q = newestFirst(
        workflowTriggers.id,
        cursor,
        eq(workflowTriggers.blobId, blob.id),
        include_revoked ? undefined : isNull(workflowTriggers.revokedAt),
      );
      const { items, cursor: next } = await fetchPage(limit, (take) => app.db.select().from(workflowTriggers).where(q.where).orderBy(q.orderBy).limit(take));
      return { triggers: items.map((t) => toTriggerWire(app, t)), cursor: next };
    },
  }),
  get_trigger: defineCommand({
    kind: 'query',
    input: z.strictObject({ trigger_id: triggerId }),
    async run(ctx, { trigger_id }) {
      return { trigger: toTriggerWire(ctx.app, await requireTrigger(ctx, trigger_id)) };
    },
  }),
  /** A new secret, returned once; the old one stops working at once. */
  rotate_trigger_secret: defineCommand({
    kind: 'command',
    input: z.strictObject({ trigger_id: triggerId }),
    async run(ctx, { trigger_id }) {
      const found = await requireTrigger(ctx, trigger_id);
      if (found.revokedAt) throw conflict('the trigger is revoked');
      const { secret, sealed, prefix } = newSecret(ctx.app);
      const row = await ctx.app.db.transaction(async (tx) => {
        const [rotated] = await tx
          .update(workflowTriggers)
          .set({ secretSealed: sealed, secretPrefix: prefix, rotatedAt: new Date() })
          .where(and(eq(workflowTriggers.id, found.id), isNull(workflowTriggers.revokedAt)))
          .returning();
        if (!rotated) throw conflict('the trigger is revoked');
        await auditTrigger(tx, ctx, 'rotate_secret', rotated);
        return rotated;
      });
      return { trigger: { ...toTriggerWire(ctx.app, row), secret } };
    },
  }),
  /** Its URL answers 404 from now on; revoking twice is harmless. */
  revoke_trigger: defineCommand({
    kind: 'command',
    input: z.strictObject({ trigger_id: triggerId }),
    async run(ctx, { trigger_id }) {
      const found = await requireTrigger(ctx, trigger_id);
      if (found.revokedAt) return { trigger: toTriggerWire(ctx.app, found) };
      const row = await ctx.app.db.transaction(async (tx) => {
        const revoked = await tx.update(workflowTriggers).set({ revokedAt: new Date() }).where(eq(workflowTriggers.id, found.id)).returning().then(theRow);
        await auditTrigger(tx, ctx, 'revoke', revoked);
        return revoked;
      });
      return { trigger: toTriggerWire(ctx.app, row) };
    },
  }),
};
