/** The schedule as users write it (BlobHub field names), and its wire form. */
import { z } from 'zod';
import type { scheduleExecutions, schedules } from '../../db/schema';
import { idOf, idOrName } from '../../core/schemas';

export const overlapPolicies = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;

/** Local date-time without a zone, read in the schedule's `timezone`. */
const localDateTime = z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/, 'must be a local ISO time without zone, e.g. 2026-05-01T14:30:00');
const utcDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 timestamp with Z or an offset' });

export const invocationTarget = z.object({
  org_id: idOrName('org'),
  blob_id: idOrName('blob'),
  revision_id: idOf('revision'),
  session_id: idOf('session').optional(),
  workflow_alias: z.string().min(1).max(200),
  input_data: z
    .array(z.object({ alias: z.string().min(1).max(200), value: z.looseObject({ type: z.string() }) }))
    .max(100)
    .optional(),
});

export type InvocationTarget = z.infer<typeof invocationTarget>;

const clientTargetPart = z.string().min(1).max(64);

/**
 * BlobHub's form of the invocation target, as `blobhub-cli scheduler deploy` writes it; resolved
 * into the SPEC form at save time (client-target.ts).
 */
export const clientInvocationTarget = z.object({
  target: z.object({
    org: clientTargetPart.optional(),
    blob: clientTargetPart,
    revision: clientTargetPart,
    session: z.string().trim().min(1).max(128).optional(),
  }),
  workflow: z.object({
    definition: clientTargetPart,
    org: clientTargetPart.optional(),
    blob: clientTargetPart.optional(),
    revision: clientTargetPart.optional(),
  }),
  input_data: z
    .array(z.object({ alias: z.string().min(1).max(200), value: z.looseObject({ type: z.string() }) }))
    .max(100)
    .optional(),
});
export type ClientInvocationTarget = z.infer<typeof clientInvocationTarget>;

/** Every user-settable field; create requires some, update takes any subset. */
const scheduleFields = {
  repeat: z.enum(['one_time', 'recurring_cron']),
  cron_expression: z.string().min(1).max(200),
  invocation_time: localDateTime,
  timezone: z.string().min(1).max(100),
  start_date: utcDateTime.nullable(),
  end_date: utcDateTime.nullable(),
  enabled: z.boolean(),
  invocation_target_type: z.literal('workflow'),
  /** the SPEC form, or BlobHub's `{target, workflow, input_data}` (resolved at save time) */
  invocation_target: z.union([invocationTarget, clientInvocationTarget]),
  /** BlobHub's name for a schedule, unique in its revision for `scheduler deploy` */
  alias: z
    .string()
    .regex(/^[a-z0-9_-]{1,64}$/, 'must be 1-64 lowercase letters, digits, _ -')
    .nullable(),
  description: z.string().max(256).nullable(),
  overlap_policy: z.enum(overlapPolicies),
  catchup_window_seconds: z
    .number()
    .int()
    .min(10)
    .max(365 * 24 * 3600)
    .nullable(),
  pause_note: z.string().max(1000).nullable(),
};

export const createScheduleInput = z.object({
  ...scheduleFields,
  cron_expression: scheduleFields.cron_expression.optional(),
  invocation_time: scheduleFields.invocation_time.optional(),
  start_date: scheduleFields.start_date.optional(),
  end_date: scheduleFields.end_date.optional(),
  enabled: scheduleFields.enabled.default(true),
  overlap_policy: scheduleFields.overlap_policy.default('skip'),
  catchup_window_seconds: scheduleFields.catchup_window_seconds.optional(),
  pause_note: scheduleFields.pause_note.optional(),
  alias: scheduleFields.alias.optional(),
  description: scheduleFields.description.optional(),
});

export const updateScheduleInput = z
  .object({ schedule_id: idOf('schedule'), ...scheduleFields })
  .partial()
  .required({ schedule_id: true });

/** What a schedules row keeps in `spec` (the user's fields, normalized). */
export interface ScheduleSpec {
  repeat: 'one_time' | 'recurring_cron';
  cron_expression: string | null;
  invocation_time: string | null;
  timezone: string;
  start_date: string | null;
  end_date: string | null;
  invocation_target_type: 'workflow';
  invocation_target: InvocationTarget;
  /** the target as BlobHub's clients wrote it, read back in that form (`invocation_target` holds it resolved) */
  client_invocation_target?: ClientInvocationTarget | null;
  alias?: string | null;
  description?: string | null;
  overlap_policy: (typeof overlapPolicies)[number];
  catchup_window_seconds: number | null;
}

export type ScheduleRow = typeof schedules.$inferSelect;
export type ScheduleExecutionRow = typeof scheduleExecutions.$inferSelect;

export const specOf = (row: ScheduleRow) => row.spec as ScheduleSpec;

export function toScheduleExecutionWire(row: ScheduleExecutionRow) {
  return {
    id: row.id,
    schedule_id: row.scheduleId,
    created_at: row.createdAt.toISOString(),
    scheduled_at: row.scheduledAt?.toISOString() ?? null,
    invocation_target_type: row.invocationTargetType,
    invocation_target: row.invocationTarget,
    status: row.status,
    result: row.result,
  };
}
