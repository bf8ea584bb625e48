/** The `scheduler_blobhub` data commands (docs/spec.md §5), with BlobHub field names. */
import { and, desc, eq, lt, ne } from 'drizzle-orm';
import { z } from 'zod';
import { userIdOf } from '../../core/access';
import { auditCommand, changedFields } from '../../core/audit';
import { defineCommand, type CommandContext } from '../../core/engines';
import { conflict } from '../../core/errors';
import { newId } from '../../core/ids';
import { afterCursor, fetchPage, pageQuery } from '../../core/paging';
import { idOf } from '../../core/schemas';
import { scheduleExecutions, schedules } from '../../db/schema';
import { isClientTarget } from './client-target';
import { fieldError } from './cron';
import { createScheduleInput, specOf, toScheduleExecutionWire, updateScheduleInput, type ScheduleRow, type ScheduleSpec } from './model';
import { deleteSchedules, insertSchedule, loadSchedule, saveSchedule, schedulesWire, scheduleWire, type ScheduleAudit } from './store';
import { overlapToTemporal, previewFireTimes, scheduleHandle } from './temporal/schedules';
import { validateTarget, validateTiming } from './validate';

const scheduleRef = z.object({ schedule_id: idOf('schedule') });
const executionsPageSize = 10;

/** What the audit log shows of a schedule: its fields and state. */
const auditedFields = (row: ScheduleRow) => ({ ...specOf(row), state: row.state, pause_note: row.pauseNote });

/** The audit entry of a schedule change; `before` makes it a diff. */
const auditSchedule =
  (ctx: CommandContext, verb: string, before?: ScheduleRow): ScheduleAudit =>
  (tx, row) =>
    auditCommand(
      tx,
      ctx,
      `schedule.${verb}`,
      { type: 'schedule', id: row.id },
      before ? changedFields(auditedFields(before), auditedFields(row)) : auditedFields(row),
    );

const withSchedule = async (ctx: CommandContext, row: ScheduleRow) => ({ schedule: await scheduleWire(ctx.app, row) });

/** Loads a schedule of this blob that may still change (a completed one answers 409). */
async function loadChangeable(ctx: CommandContext, scheduleId: string) {
  const row = await loadSchedule(ctx.app, ctx.blob.id, scheduleId);
  if ((await scheduleWire(ctx.app, row)).state === 'completed') throw conflict('this schedule has completed and cannot be changed');
  return row;
}

/** One-time schedules keep no cron and recurring ones no invocation time, so switching is clean. */
function normalizeTiming(spec: ScheduleSpec): ScheduleSpec {
  return spec.repeat === 'one_time' ? { ...spec, cron_expression: null } : { ...spec, invocation_time: null };
}

/** The checked target, resolved; a target in BlobHub's form is also kept as written. */
async function targetFields(ctx: CommandContext, given: Parameters<typeof validateTarget>[2]) {
  return { invocation_target: await validateTarget(ctx.app, ctx.caller, given), client_invocation_target: isClientTarget(given) ? given : null };
}

const createSchedule = defineCommand({
  kind: 'command',
  input: createScheduleInput,
  async run(ctx, input) {
    const { enabled, pause_note, invocation_target, ...fields } = input;
    const spec = normalizeTiming({
      ...fields,
      ...(await targetFields(ctx, invocation_target)),
      cron_expression: fields.cron_expression ?? null,
      invocation_time: fields.invocation_time ?? null,
      start_date: fields.start_date ?? null,
      end_date: fields.end_date ?? null,
      catchup_window_seconds: fields.catchup_window_seconds ?? null,
    });
    validateTiming(spec, { invocationTimeChanged: true });
    const row = await insertSchedule(
      ctx.app,
      {
        id: newId('schedule'),
        revisionId: ctx.revision.id,
        blobId: ctx.blob.id,
        orgId: ctx.blob.orgId,
        ownerId: userIdOf(ctx.caller)!,
        createdByKeyId: ctx.caller.kind === 'key' ? ctx.caller.keyId : null,
        spec,
        state: enabled ? 'active' : 'paused',
        pauseNote: pause_note ?? null,
      },
      { created: auditSchedule(ctx, 'create'), removed: auditSchedule(ctx, 'delete') },
    );
    return withSchedule(ctx, row);
  },
});

const updateSchedule = defineCommand({
  kind: 'command',
  input: updateScheduleInput,
  async run(ctx, input) {
    const row = await loadChangeable(ctx, input.schedule_id);
    const { schedule_id: _id, enabled, pause_note, invocation_target, ...fields } = input;
    const changes = invocation_target ? { ...fields, ...(await targetFields(ctx, invocation_target)) } : fields;
    if (changes.repeat === 'recurring_cron' && specOf(row).repeat !== 'recurring_cron' && !changes.cron_expression) {
      throw fieldError('cron_expression', 'is required when switching repeat to recurring_cron');
    }
    if (changes.repeat === 'one_time' && specOf(row).repeat !== 'one_time' && !changes.invocation_time) {
      throw fieldError('invocation_time', 'is required when switching repeat to one_time');
    }
    const spec = normalizeTiming({ ...specOf(row), ...changes });
    validateTiming(spec, { invocationTimeChanged: changes.invocation_time !== undefined || changes.timezone !== undefined });
    const state = enabled === undefined ? row.state : enabled ? 'active' : 'paused';
    const pauseNote = pause_note === undefined ? row.pauseNote : pause_note;
    const saved = await saveSchedule(ctx.app, row.id, { spec, state, pauseNote }, auditSchedule(ctx, 'update', row));
    return withSchedule(ctx, saved);
  },
});

const getSchedule = defineCommand({
  kind: 'query',
  input: scheduleRef,
  run: async (ctx, input) => withSchedule(ctx, await loadSchedule(ctx.app, ctx.blob.id, input.schedule_id)),
});

const listSchedules = defineCommand({
  kind: 'query',
  input: z.object({
    ...pageQuery,
    /** BlobHub's paging: the `last_schedule_id` of the page before */
    start_schedule_id: idOf('schedule').optional(),
  }),
  async run(ctx, input) {
    const { items, cursor } = await fetchPage(input.limit, (take) =>
      ctx.app.db
        .select()
        .from(schedules)
        .where(
          and(
            eq(schedules.blobId, ctx.blob.id),
            // rows being deleted are filtered here, not after the fetch, so pages stay full
            ne(schedules.syncState, 'deleting'),
            afterCursor(schedules.id, input.cursor),
            input.start_schedule_id ? lt(schedules.id, input.start_schedule_id) : undefined,
          ),
        )
        .orderBy(desc(schedules.id))
        .limit(take),
    );
    return { schedules: await schedulesWire(ctx.app, items), cursor, last_schedule_id: cursor };
  },
});

const deleteSchedule = defineCommand({
  kind: 'command',
  input: scheduleRef,
  async run(ctx, input) {
    const row = await loadSchedule(ctx.app, ctx.blob.id, input.schedule_id);
    await deleteSchedules(ctx.app, [row.id], auditSchedule(ctx, 'delete'));
    return {};
  },
});

const pauseSchedule = defineCommand({
  kind: 'command',
  input: scheduleRef.extend({ note: z.string().max(1000).optional() }),
  async run(ctx, input) {
    const row = await loadChangeable(ctx, input.schedule_id);
    return withSchedule(ctx, await saveSchedule(ctx.app, row.id, { state: 'paused', pauseNote: input.note ?? 'paused' }, auditSchedule(ctx, 'pause', row)));
  },
});

const unpauseSchedule = defineCommand({
  kind: 'command',
  input: scheduleRef.extend({ note: z.string().max(1000).optional() }),
  async run(ctx, input) {
    const row = await loadChangeable(ctx, input.schedule_id);
    return withSchedule(ctx, await saveSchedule(ctx.app, row.id, { state: 'active', pauseNote: input.note ?? null }, auditSchedule(ctx, 'unpause', row)));
  },
});

const triggerSchedule = defineCommand({
  kind: 'command',
  input: scheduleRef,
  async run(ctx, input) {
    const row = await loadSchedule(ctx.app, ctx.blob.id, input.schedule_id);
    await scheduleHandle(ctx.app, row.id).trigger(overlapToTemporal[specOf(row).overlap_policy]);
    // no row changes: the entry is written once Temporal took the request
    await auditCommand(ctx.app.db, ctx, 'schedule.trigger', { type: 'schedule', id: row.id });
    return withSchedule(ctx, row);
  },
});

const backfillSchedule = defineCommand({
  kind: 'command',
  input: scheduleRef.extend({ start: z.iso.datetime({ offset: true }), end: z.iso.datetime({ offset: true }) }),
  async run(ctx, input) {
    const row = await loadSchedule(ctx.app, ctx.blob.id, input.schedule_id);
    const [start, end] = [new Date(input.start), new Date(input.end)];
    if (end <= start) throw fieldError('end', 'must be after start');
    await scheduleHandle(ctx.app, row.id).backfill({ start, end, overlap: overlapToTemporal[specOf(row).overlap_policy] });
    await auditCommand(ctx.app.db, ctx, 'schedule.backfill', { type: 'schedule', id: row.id }, { start: input.start, end: input.end });
    return withSchedule(ctx, row);
  },
});

const previewSchedule = defineCommand({
  kind: 'query',
  input: z.object({
    cron_expression: z.string().min(1).max(200),
    timezone: z.string().min(1).max(100),
    count: z.number().int().min(1).max(10).default(5),
    start_date: z.iso.datetime({ offset: true }).optional(),
    end_date: z.iso.datetime({ offset: true }).optional(),
  }),
  async run(ctx, input) {
    const timing = {
      repeat: 'recurring_cron' as const,
      cron_expression: input.cron_expression,
      invocation_time: null,
      timezone: input.timezone,
      start_date: input.start_date ?? null,
      end_date: input.end_date ?? null,
    };
    validateTiming(timing, { invocationTimeChanged: false });
    const times = await previewFireTimes(ctx.app, timing, input.count);
    return { next_fire_times: times.map((d) => d.toISOString()) };
  },
});

const listExecutions = defineCommand({
  kind: 'query',
  input: scheduleRef.extend({ start_execution_id: idOf('scheduleExecution').optional(), include_schedule: z.boolean().optional() }),
  async run(ctx, input) {
    const row = await loadSchedule(ctx.app, ctx.blob.id, input.schedule_id);
    const { items, cursor } = await fetchPage(executionsPageSize, (take) =>
      ctx.app.db
        .select()
        .from(scheduleExecutions)
        .where(and(eq(scheduleExecutions.scheduleId, row.id), afterCursor(scheduleExecutions.id, input.start_execution_id)))
        .orderBy(desc(scheduleExecutions.id))
        .limit(take),
    );
    return {
      executions: items.map(toScheduleExecutionWire),
      last_execution_id: cursor,
      ...(input.include_schedule ? await withSchedule(ctx, row) : {}),
    };
  },
});

export const schedulerCommands = {
  create_schedule: createSchedule,
  update_schedule: updateSchedule,
  get_schedule: getSchedule,
  list_schedules: listSchedules,
  delete_schedule: deleteSchedule,
  pause_schedule: pauseSchedule,
  unpause_schedule: unpauseSchedule,
  trigger_schedule: triggerSchedule,
  backfill_schedule: backfillSchedule,
  preview_schedule: previewSchedule,
  list_executions: listExecutions,
};
