/** create/get/list/cancel/signal executions, their events and persisted data. */
import { WorkflowNotFoundError } from '@temporalio/client';
import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../../core/app';
import { defineCommand, type CommandContext } from '../../../core/engines';
import { eventToWire } from '../../../core/events';
import { conflict, notFound } from '../../../core/errors';
import { decodeCursor, idOf, page, pageQuery } from '../../../core/wire';
import { events, executionData, executionStatuses, executions } from '../../../db/schema';
import { createExecution, toExecutionWire } from '../executions';
import { inputData } from '../model';
import { EXECUTION_SIGNAL } from '../temporal-names';
import { storedValue } from '../values';
import { definitionAlias } from './definitions';
import { newestFirst } from '../../../core/wire';

const executionId = idOf('execution');
const ended = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

async function requireExecution(ctx: CommandContext, id: string) {
  const [row] = await ctx.app.db
    .select()
    .from(executions)
    .where(and(eq(executions.id, id), eq(executions.revisionId, ctx.revision.id)));
  if (!row) throw notFound('execution');
  return row;
}

/** Requests cancellation; the workflow records the outcome. A workflow already gone is fine. */
export async function cancelWorkflow(app: App, id: string) {
  try {
    await app.temporal.client.workflow.getHandle(id).cancel();
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e;
  }
}

export const executionCommands = {
  create_execution: defineCommand({
    kind: 'command',
    input: z
      .object({
        session_id: idOf('session').optional(),
        definition_id: idOf('definition').optional(),
        alias: definitionAlias.optional(),
        input_data: inputData.optional(),
        timeout_seconds: z.number().positive().max(365 * 86_400).optional(),
      })
      .refine((r) => Boolean(r.definition_id) !== Boolean(r.alias), { message: 'give exactly one of definition_id and alias' }),
    async run({ app, caller, revision }, input) {
      const execution = await createExecution(app, {
        caller,
        revisionId: revision.id,
        sessionId: input.session_id,
        alias: input.alias,
        definitionId: input.definition_id,
        inputData: input.input_data,
        timeoutSeconds: input.timeout_seconds,
      });
      return { execution };
    },
  }),
  get_execution: defineCommand({
    kind: 'query',
    input: z.object({ execution_id: executionId }),
    async run(ctx, { execution_id }) {
      return { execution: toExecutionWire(ctx.app, await requireExecution(ctx, execution_id)) };
    },
  }),
  list_executions: defineCommand({
    kind: 'query',
    input: z.object({ session_id: idOf('session').optional(), status: z.enum(executionStatuses).optional(), ...pageQuery }),
    async run({ app, revision }, { session_id, status, limit, cursor }) {
      const q = newestFirst(
        executions.id,
        cursor,
        eq(executions.revisionId, revision.id),
        session_id ? eq(executions.sessionId, session_id) : undefined,
        status ? eq(executions.status, status) : undefined,
      );
      const rows = await app.db.select().from(executions).where(q.where).orderBy(q.orderBy).limit(limit + 1);
      const { items, cursor: next } = page(rows, limit);
      return { executions: items.map((e) => toExecutionWire(app, e)), cursor: next };
    },
  }),
  list_execution_events: defineCommand({
    kind: 'query',
    input: z.object({
      execution_id: executionId,
      /** the seq of the last event already seen */
      after: z.coerce.number().int().min(0).optional(),
      limit: z.coerce.number().int().min(1).max(1000).default(100),
      cursor: z.string().max(200).optional(),
    }),
    async run(ctx, { execution_id, after, limit, cursor }) {
      await requireExecution(ctx, execution_id);
      const from = cursor ? Number(decodeCursor(cursor)) : (after ?? 0);
      const rows = await ctx.app.db
        .select()
        .from(events)
        .where(and(eq(events.executionId, execution_id), gt(events.seq, from)))
        .orderBy(asc(events.seq))
        .limit(limit + 1);
      const { items, cursor: next } = page(rows, limit, (e) => String(e.seq));
      return { events: items.map(eventToWire), cursor: next };
    },
  }),
  cancel_execution: defineCommand({
    kind: 'command',
    input: z.object({ execution_id: executionId }),
    async run(ctx, { execution_id }) {
      const row = await requireExecution(ctx, execution_id);
      if (ended.has(row.status)) throw conflict(`the execution already ended (${row.status})`);
      await cancelWorkflow(ctx.app, row.id);
      return { execution: toExecutionWire(ctx.app, row) };
    },
  }),
  signal_execution: defineCommand({
    kind: 'command',
    input: z.object({ execution_id: executionId, name: z.string().min(1).max(128), payload: z.unknown().optional() }),
    async run(ctx, { execution_id, name, payload }) {
      const row = await requireExecution(ctx, execution_id);
      if (ended.has(row.status)) throw conflict(`the execution already ended (${row.status})`);
      await ctx.app.temporal.client.workflow.getHandle(row.id).signal(EXECUTION_SIGNAL, { name, payload: payload ?? null });
      return {};
    },
  }),
  get_execution_data: defineCommand({
    kind: 'query',
    input: z.object({ execution_id: executionId, data_id: z.string().uuid() }),
    async run(ctx, { execution_id, data_id }) {
      await requireExecution(ctx, execution_id);
      const [row] = await ctx.app.db
        .select()
        .from(executionData)
        .where(and(eq(executionData.id, data_id), eq(executionData.executionId, execution_id)));
      if (!row) throw notFound('execution data');
      return { data: { id: row.id, execution_id, value: await storedValue(ctx.app, row), created_at: row.createdAt.toISOString() } };
    },
  }),
};
