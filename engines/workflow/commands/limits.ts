/** set/list/delete the execution limits of a workflow blob or of one definition alias in it (limits.ts). */
import { and, asc, eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditCommand } from '../../../core/audit';
import { defineCommand } from '../../../core/engines';
import { notFound } from '../../../core/errors';
import { executionLimits, limitPolicies } from '../../../db/schema';
import { wakeWaiting } from '../finish';
import type { ExecutionLimitRow } from '../limits';
import { definitionAlias } from './definitions';

const scope = { alias: definitionAlias.optional().describe("a definition alias (in every revision of the blob); none: all of the blob's executions") };

const limitsInput = z
  .strictObject({
    ...scope,
    max_concurrent: z.number().int().min(1).max(10_000).optional().describe('executions live at once'),
    concurrency_policy: z.enum(limitPolicies).default('queue').describe('past max_concurrent: wait `queued`, or refuse with 429'),
    max_starts: z.number().int().min(1).max(1_000_000).optional().describe('executions admitted per interval_seconds'),
    interval_seconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 86_400)
      .optional(),
    rate_policy: z.enum(limitPolicies).default('refuse').describe('past max_starts: refuse with 429, or wait `queued`'),
  })
  .refine((l) => l.max_concurrent !== undefined || l.max_starts !== undefined, { message: 'give max_concurrent, max_starts or both' })
  .refine((l) => (l.max_starts === undefined) === (l.interval_seconds === undefined), { message: 'max_starts and interval_seconds go together' });

const toLimitsWire = (row: ExecutionLimitRow) => ({
  alias: row.alias || null,
  max_concurrent: row.maxConcurrent,
  concurrency_policy: row.concurrencyPolicy,
  max_starts: row.maxStarts,
  interval_seconds: row.intervalSeconds,
  rate_policy: row.ratePolicy,
  created_at: row.createdAt.toISOString(),
  updated_at: row.updatedAt.toISOString(),
});

export const limitCommands = {
  /** Sets (replaces) the limits of the blob, or of one alias; they hold for every revision, from the next creation on. */
  set_execution_limits: defineCommand({
    kind: 'command',
    input: limitsInput,
    async run(ctx, input) {
      const fields = {
        maxConcurrent: input.max_concurrent ?? null,
        concurrencyPolicy: input.concurrency_policy,
        maxStarts: input.max_starts ?? null,
        intervalSeconds: input.interval_seconds ?? null,
        ratePolicy: input.rate_policy,
      };
      const row = await ctx.app.db.transaction(async (tx) => {
        const [saved] = await tx
          .insert(executionLimits)
          .values({ blobId: ctx.blob.id, alias: input.alias ?? '', ...fields })
          .onConflictDoUpdate({ target: [executionLimits.blobId, executionLimits.alias], set: { ...fields, updatedAt: new Date() } })
          .returning();
        await auditCommand(
          tx,
          ctx,
          'execution_limits.set',
          { type: 'blob', id: ctx.blob.id },
          { ...toLimitsWire(saved!), created_at: undefined, updated_at: undefined },
        );
        return saved!;
      });
      // a raised limit may let waiting executions start now
      await wakeWaiting(ctx.app, ctx.blob.id);
      return { execution_limits: toLimitsWire(row) };
    },
  }),
  list_execution_limits: defineCommand({
    kind: 'query',
    input: z.strictObject({}),
    async run(ctx) {
      const rows = await ctx.app.db.select().from(executionLimits).where(eq(executionLimits.blobId, ctx.blob.id)).orderBy(asc(executionLimits.alias));
      return { execution_limits: rows.map(toLimitsWire) };
    },
  }),
  delete_execution_limits: defineCommand({
    kind: 'command',
    input: z.strictObject(scope),
    async run(ctx, { alias }) {
      await ctx.app.db.transaction(async (tx) => {
        const [deleted] = await tx
          .delete(executionLimits)
          .where(and(eq(executionLimits.blobId, ctx.blob.id), eq(executionLimits.alias, alias ?? '')))
          .returning();
        if (!deleted) throw notFound('execution limits');
        await auditCommand(tx, ctx, 'execution_limits.delete', { type: 'blob', id: ctx.blob.id }, { alias: alias ?? null });
      });
      await wakeWaiting(ctx.app, ctx.blob.id);
      return {};
    },
  }),
};
