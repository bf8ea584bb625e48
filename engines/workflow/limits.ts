/**
 * Execution limits of a workflow blob or of one definition alias in it (docs/workflow.md
 * "Execution limits"): at most `max_concurrent` executions live at once, at most `max_starts`
 * admitted per `interval_seconds`; past a limit an execution waits `queued` or is refused (429).
 *
 * Why rows locked in PostgreSQL rather than a limiter workflow per blob: the execution row is the
 * truth the limit counts, so the creation (or the admission of a waiting execution) locks the
 * limit rows that apply (`select … for update`), counts the live and recently admitted executions
 * and writes its own row in that one transaction: two creations cannot both take the last slot,
 * and a refusal answers the creating request at once, which a signal to a limiter workflow could
 * not do without a round trip through Temporal. A waiting execution's workflow asks again when an
 * execution of the blob ends (a signal: finish.ts) or its rate window opens, and every few minutes
 * in case a signal was lost.
 */
import { and, asc, eq, gt, inArray, isNull, or, sql } from 'drizzle-orm';
import { Counter, Histogram } from 'prom-client';
import { ApiError } from '../../core/errors';
import { lockOrgEvents } from '../../core/events';
import { metricsRegistry } from '../../core/metrics';
import type { Db } from '../../db/client';
import { executionLimits, executions, revisions } from '../../db/schema';
import { appendExecutionEvents, liveStatuses } from './finish';
import type { EventSpec, ExecutionArgs } from './plan';

export type ExecutionLimitRow = typeof executionLimits.$inferSelect;
type ExecutionRow = typeof executions.$inferSelect;
export type LimitName = 'max_concurrent' | 'max_starts';

/** How long a waiting execution waits for a wake-up signal before it asks again by itself. */
const ASK_AGAIN_MS = 5 * 60_000;

const registers = [metricsRegistry];
const refused = new Counter({
  name: 'blobhub_execution_limit_refused_total',
  help: 'executions refused (429) by their blob’s execution limits, by limit',
  labelNames: ['limit'] as const,
  registers,
});
const queued = new Counter({
  name: 'blobhub_execution_limit_queued_total',
  help: 'executions that waited `queued` for their blob’s execution limits, by limit',
  labelNames: ['limit'] as const,
  registers,
});
const waited = new Histogram({
  name: 'blobhub_execution_limit_wait_seconds',
  help: 'time executions waited `queued` for their blob’s execution limits before they started',
  buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 1800, 3600],
  registers,
});

/**
 * The limits of the blob and of the alias, locked until the transaction ends (blob-wide first: one
 * lock order for every transaction), after the org's event lock: the transaction records events
 * later, and deleting the org takes that lock before the rows it deletes.
 */
async function lockLimits(tx: Db, orgId: string, blobId: string, alias: string): Promise<ExecutionLimitRow[]> {
  await lockOrgEvents(tx, orgId);
  return tx
    .select()
    .from(executionLimits)
    .where(and(eq(executionLimits.blobId, blobId), inArray(executionLimits.alias, ['', alias])))
    .orderBy(asc(executionLimits.alias))
    .for('update');
}

interface Usage {
  /** live executions holding a slot */
  running: number;
  /** executions waiting that came before this one (all waiting ones, for a new execution) */
  ahead: number;
  /** executions admitted within the rate window */
  started: number;
  /** the first admission within the window, when it frees a start */
  windowOpensAt: Date | null;
}

/** What the executions in the limit's scope use of it, as seen by `self` (a waiting execution) or a new one. */
async function usageOf(tx: Db, limit: ExecutionLimitRow, self?: ExecutionRow): Promise<Usage> {
  const live = inArray(executions.status, liveStatuses);
  const windowStart = sql`now() - make_interval(secs => ${limit.intervalSeconds ?? 0})`;
  const inWindow = limit.maxStarts !== null ? gt(executions.admittedAt, windowStart) : sql`false`;
  // compared in the database: its timestamps are finer than a JavaScript Date
  const before = self ? sql`(${executions.createdAt}, ${executions.id}) < (select s.created_at, s.id from ${executions} s where s.id = ${self.id})` : sql`true`;
  const [usage] = await tx
    .select({
      running: sql<number>`count(*) filter (where ${live} and ${executions.admittedAt} is not null)`.mapWith(Number),
      ahead: sql<number>`count(*) filter (where ${live} and ${executions.admittedAt} is null and ${before})`.mapWith(Number),
      started: sql<number>`count(*) filter (where ${inWindow})`.mapWith(Number),
      windowOpensAt: sql<string | null>`min(${executions.admittedAt} + make_interval(secs => ${limit.intervalSeconds ?? 0})) filter (where ${inWindow})`,
    })
    .from(executions)
    .innerJoin(revisions, eq(revisions.id, executions.revisionId))
    .where(and(eq(revisions.blobId, limit.blobId), limit.alias ? eq(executions.alias, limit.alias) : undefined, or(live, inWindow)));
  return { ...usage!, windowOpensAt: usage?.windowOpensAt ? new Date(usage.windowOpensAt) : null };
}

/** Why an execution cannot start now. */
interface Block {
  limit: LimitName;
  policy: ExecutionLimitRow['concurrencyPolicy'];
  message: string;
  /** when a start frees up (a rate limit's window), if known */
  retryAfterMs?: number;
}

const scopeName = (limit: ExecutionLimitRow) => (limit.alias ? `definition ${limit.alias}` : 'this blob');

function blockOf(limit: ExecutionLimitRow, usage: Usage): Block | undefined {
  if (limit.maxConcurrent !== null && usage.running + usage.ahead >= limit.maxConcurrent) {
    return {
      limit: 'max_concurrent',
      policy: limit.concurrencyPolicy,
      message: `${scopeName(limit)} runs at most ${limit.maxConcurrent} execution(s) at once (max_concurrent); ${usage.running} running, ${usage.ahead} waiting`,
    };
  }
  if (limit.maxStarts !== null && usage.started + usage.ahead >= limit.maxStarts) {
    const opensAt = usage.windowOpensAt?.getTime() ?? Date.now();
    return {
      limit: 'max_starts',
      policy: limit.ratePolicy,
      message: `${scopeName(limit)} starts at most ${limit.maxStarts} execution(s) per ${limit.intervalSeconds} s (max_starts); ${usage.started} started in the last ${limit.intervalSeconds} s`,
      retryAfterMs: Math.max(1000, opensAt - Date.now()),
    };
  }
  return undefined;
}

async function firstBlock(tx: Db, limits: ExecutionLimitRow[], self?: ExecutionRow): Promise<Block | undefined> {
  for (const limit of limits) {
    const block = blockOf(limit, await usageOf(tx, limit, self));
    if (block) return block;
  }
  return undefined;
}

/** How a new execution enters: admitted now, or waiting `queued` for the reason given. */
export type Admission = { waiting?: { limit: LimitName; message: string } };

/**
 * Judges a new execution of `alias` in the blob, inside the transaction that creates its row (the
 * limit rows stay locked until it commits). A limit whose policy is `refuse` throws 429 `rate_limited`.
 */
export async function admitAtCreation(tx: Db, blob: { id: string; orgId: string }, alias: string): Promise<Admission> {
  const blobId = blob.id;
  const limits = await lockLimits(tx, blob.orgId, blobId, alias);
  if (limits.length === 0) return {};
  const block = await firstBlock(tx, limits);
  if (!block) return {};
  if (block.policy === 'refuse') {
    refused.inc({ limit: block.limit });
    const retryAfterSeconds = block.retryAfterMs === undefined ? undefined : Math.ceil(block.retryAfterMs / 1000);
    throw new ApiError('rate_limited', `the execution is refused: ${block.message}`, {
      details: { scope: block.limit, alias: alias, ...(retryAfterSeconds !== undefined && { retry_after_seconds: retryAfterSeconds }) },
    });
  }
  queued.inc({ limit: block.limit });
  return { waiting: { limit: block.limit, message: block.message } };
}

/** The event that tells why a new execution waits. */
export const queuedEvent = (waiting: NonNullable<Admission['waiting']>): EventSpec => ({
  type: 'execution.queued',
  key: 'execution.queued',
  message: waiting.message,
  attributes: { limit: waiting.limit },
});

/**
 * A waiting execution asks again (its workflow's `workflow.admit`): admitted when every limit has
 * room for it and for those that came before it (first come, first served); else when to ask again.
 */
export async function admitWaiting(db: Db, execution: ExecutionArgs): Promise<{ admitted: boolean; retryAfterMs?: number }> {
  return db.transaction(async (tx) => {
    const limits = await lockLimits(tx, execution.orgId, execution.blobId, execution.alias);
    const [self] = await tx.select().from(executions).where(eq(executions.id, execution.executionId));
    // admitted already (a retried activity), or ended: the walk goes on, or notices the end itself
    if (!self || self.admittedAt || !liveStatuses.includes(self.status)) return { admitted: true };
    const block = await firstBlock(tx, limits, self);
    if (block) return { admitted: false, retryAfterMs: Math.min(block.retryAfterMs ?? ASK_AGAIN_MS, ASK_AGAIN_MS) };
    await tx
      .update(executions)
      .set({ admittedAt: sql`now()`, status: 'pending' })
      .where(and(eq(executions.id, self.id), isNull(executions.admittedAt)));
    const waitedMs = Date.now() - self.createdAt.getTime();
    await appendExecutionEvents(tx, execution, [{ type: 'execution.admitted', key: 'execution.admitted', attributes: { waited_ms: waitedMs } }]);
    waited.observe(waitedMs / 1000);
    return { admitted: true };
  });
}
