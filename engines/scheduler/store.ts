/**
 * Schedule rows and their Temporal twins. Every change is written to the database first with
 * `sync_state` pending (or deleting), then applied to Temporal, then marked synced; a crash in
 * between leaves a row the reconciler finishes.
 */
import { and, eq, inArray, lt, ne } from 'drizzle-orm';
import type { App } from '../../core/app';
import type { Db } from '../../db/client';
import { ApiError, firstOr, notFound, theRow } from '../../core/errors';
import { scheduleExecutions, schedules } from '../../db/schema';
import { specOf, type ScheduleRow } from './model';
import {
  blobhubTemporalSchedules,
  createTemporalSchedule,
  deleteTemporalSchedule,
  describeTemporalSchedule,
  firesOnOwnTaskQueue,
  listTemporalSchedules,
  upsertTemporalSchedule,
} from './temporal/schedules';

/** Records a row change in the audit log, in the transaction that writes it. */
export type ScheduleAudit = (tx: Db, row: ScheduleRow) => Promise<void>;

const unavailable = (what: string, cause: unknown) =>
  new ApiError('unavailable', `${what} is saved but Temporal could not be reached; it will be applied when Temporal is back`, { cause });

export async function loadSchedule(app: App, blobId: string, scheduleId: string): Promise<ScheduleRow> {
  const [row] = await app.db
    .select()
    .from(schedules)
    .where(and(eq(schedules.id, scheduleId), eq(schedules.blobId, blobId), ne(schedules.syncState, 'deleting')));
  if (!row) throw notFound('schedule');
  return row;
}

/** Marks a row synced unless it changed again meanwhile. */
async function markSynced(app: App, row: ScheduleRow) {
  await app.db
    .update(schedules)
    .set({ syncState: 'synced' })
    .where(and(eq(schedules.id, row.id), eq(schedules.updatedAt, row.updatedAt), eq(schedules.syncState, 'pending')));
}

/** Inserts a row and its Temporal Schedule; when Temporal refuses, the row is removed again. */
export async function insertSchedule(
  app: App,
  values: typeof schedules.$inferInsert,
  audit: { created: ScheduleAudit; removed: ScheduleAudit },
): Promise<ScheduleRow> {
  const row = await app.db.transaction(async (tx) => {
    const inserted = await tx
      .insert(schedules)
      // timestamps from JS (ms precision) so markSynced can compare updated_at exactly
      .values({ ...values, syncState: 'pending', createdAt: new Date(), updatedAt: new Date() })
      .returning()
      .then(theRow);
    await audit.created(tx, inserted);
    return inserted;
  });
  try {
    await createTemporalSchedule(app, row);
  } catch (e) {
    // the log is append-only: the row existed for a moment, so its removal is recorded too
    await app.db.transaction(async (tx) => {
      await tx.delete(schedules).where(eq(schedules.id, row.id));
      await audit.removed(tx, row);
    });
    throw new ApiError('unavailable', 'Temporal could not create the schedule', { cause: e });
  }
  await markSynced(app, row);
  return row;
}

/** Saves new row values, then brings the Temporal Schedule in line. */
export async function saveSchedule(app: App, id: string, changes: Partial<typeof schedules.$inferInsert>, audit: ScheduleAudit): Promise<ScheduleRow> {
  const row = await app.db.transaction(async (tx) => {
    const saved = await tx
      .update(schedules)
      .set({ ...changes, syncState: 'pending', updatedAt: new Date() })
      .where(eq(schedules.id, id))
      .returning()
      .then((rows) => firstOr(rows, () => notFound('schedule')));
    await audit(tx, saved);
    return saved;
  });
  await syncSchedule(app, row).catch((e) => {
    throw unavailable('the change', e);
  });
  return row;
}

export async function syncSchedule(app: App, row: ScheduleRow) {
  await upsertTemporalSchedule(app, row);
  await markSynced(app, row);
}

/**
 * Deletes schedules: marked deleting (from then on they are gone for users: `audit` records that,
 * when a user asked), Temporal Schedules removed, then the rows and their history.
 */
export async function deleteSchedules(app: App, ids: string[], audit?: ScheduleAudit) {
  if (ids.length === 0) return;
  await app.db.transaction(async (tx) => {
    const marked = await tx.update(schedules).set({ syncState: 'deleting' }).where(inArray(schedules.id, ids)).returning();
    for (const row of marked) await audit?.(tx, row);
  });
  for (const id of ids) await deleteTemporalSchedule(app, id);
  await app.db.transaction(async (tx) => {
    await tx.delete(scheduleExecutions).where(inArray(scheduleExecutions.scheduleId, ids));
    await tx.delete(schedules).where(inArray(schedules.id, ids));
  });
}

/**
 * Repairs drift between rows and Temporal: pending rows are pushed to Temporal, deleting rows are
 * deleted. Rows younger than `graceMs` are left to the request that is still writing them.
 */
export async function reconcileSchedules(app: App, opts: { graceMs?: number } = {}) {
  const cutoff = new Date(Date.now() - (opts.graceMs ?? 30_000));
  const drifted = await app.db
    .select()
    .from(schedules)
    .where(and(ne(schedules.syncState, 'synced'), lt(schedules.updatedAt, cutoff)));
  const repaired = { synced: 0, deleted: 0 };
  for (const row of drifted) {
    if (row.syncState === 'deleting') {
      await deleteSchedules(app, [row.id]);
      repaired.deleted++;
    } else {
      await syncSchedule(app, row);
      repaired.synced++;
    }
  }
  return repaired;
}

const sweepChunk = 500;

/**
 * Deletes this deployment's Temporal Schedules whose row is gone: deleting an org or blob in the
 * database cascades to the rows without passing `beforeBlobDelete`. A row is written before its
 * Temporal Schedule and removed after it, so a schedule without a row is never a live one.
 */
export async function sweepOrphanSchedules(app: App): Promise<number> {
  let swept = 0;
  let chunk: { id: string; marked: boolean }[] = [];
  const sweep = async () => {
    const rows = await app.db
      .select({ id: schedules.id })
      .from(schedules)
      .where(
        inArray(
          schedules.id,
          chunk.map((s) => s.id),
        ),
      );
    const known = new Set(rows.map((r) => r.id));
    for (const s of chunk.filter((c) => !known.has(c.id))) {
      // an unmarked one is only described when it has no row here: few calls, not one per schedule
      if (!s.marked && !(await firesOnOwnTaskQueue(app, s.id))) continue;
      await deleteTemporalSchedule(app, s.id);
      swept++;
    }
    chunk = [];
  };
  for await (const s of blobhubTemporalSchedules(app)) {
    chunk.push(s);
    if (chunk.length === sweepChunk) await sweep();
  }
  if (chunk.length) await sweep();
  return swept;
}

/** What the wire form needs from Temporal: the next fire times, and whether a one-time schedule is spent. */
interface TemporalView {
  nextActionTimes: Date[];
  spent: boolean;
}

/** The state a user sees: a recurring schedule past its end date, or a spent one-time one, is completed. */
function effectiveState(row: ScheduleRow, view: TemporalView | null): ScheduleRow['state'] {
  if (row.state !== 'active') return row.state;
  const spec = specOf(row);
  if (spec.repeat === 'recurring_cron' && spec.end_date && new Date(spec.end_date) <= new Date()) return 'completed';
  if (spec.repeat === 'one_time' && view?.spent) return 'completed';
  return 'active';
}

/** One schedule as Temporal describes it now. */
export async function scheduleWire(app: App, row: ScheduleRow) {
  const description = await describeTemporalSchedule(app, row.id);
  return wireOf(app, row, description && { nextActionTimes: description.info.nextActionTimes, spent: description.state.remainingActions === 0 });
}

/**
 * A page of schedules with one call to Temporal's listing, not a describe per row; only a row
 * the listing does not show yet (created a moment ago) is described on its own.
 */
export async function schedulesWire(app: App, rows: ScheduleRow[]) {
  const listed = await listTemporalSchedules(
    app,
    rows.map((r) => r.id),
  );
  return Promise.all(
    rows.map(async (row) => {
      const summary = listed.get(row.id);
      // a one-time schedule is spent once Temporal plans no more fires for it
      return summary
        ? wireOf(app, row, { nextActionTimes: summary.info.nextActionTimes, spent: summary.info.nextActionTimes.length === 0 })
        : scheduleWire(app, row);
    }),
  );
}

function wireOf(app: App, row: ScheduleRow, view: TemporalView | null) {
  const { client_invocation_target: clientTarget, ...spec } = specOf(row);
  const state = effectiveState(row, view);
  const { namespace, uiUrl } = app.temporal;
  return {
    id: row.id,
    blob_id: row.blobId,
    revision_id: row.revisionId,
    owner_id: row.ownerId,
    ...spec,
    ...(clientTarget ? { invocation_target: clientTarget, resolved_invocation_target: spec.invocation_target } : {}),
    enabled: row.state !== 'paused',
    pause_note: row.pauseNote,
    state,
    // What will actually happen: nothing while paused or completed.
    next_fire_times: state === 'active' ? (view?.nextActionTimes ?? []).slice(0, 5).map((d) => d.toISOString()) : [],
    temporal: {
      namespace,
      schedule_id: row.id,
      ui_url: `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/schedules/${encodeURIComponent(row.id)}`,
    },
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
