/** Checks a schedule before anything is written: its timing fields and its invocation target. */
import { isClientTarget, resolveClientTarget } from './client-target';
import { and, eq } from 'drizzle-orm';
import type { App } from '../../core/app';
import type { Caller } from '../../core/access';
import { requireBlob, requireRevision } from '../../core/resources';
import { definitions, sessions } from '../../db/schema';
import { fieldError, translateCron } from './cron';
import type { ClientInvocationTarget, ScheduleSpec } from './model';
import { isKnownTimeZone, isValidLocalDate, localTimeToInstant } from './time';

type Timing = Pick<ScheduleSpec, 'repeat' | 'cron_expression' | 'invocation_time' | 'timezone' | 'start_date' | 'end_date'>;

/** Throws a 400 naming the field; `invocation_time` must lie ahead only when it is being set. */
export function validateTiming(spec: Timing, opts: { invocationTimeChanged: boolean }) {
  if (!isKnownTimeZone(spec.timezone)) throw fieldError('timezone', `unknown time zone "${spec.timezone}" (use an IANA name such as Europe/London)`);
  if (spec.start_date && spec.end_date && new Date(spec.end_date) <= new Date(spec.start_date)) {
    throw fieldError('end_date', 'must be after start_date');
  }
  if (spec.repeat === 'recurring_cron') {
    if (!spec.cron_expression) throw fieldError('cron_expression', 'is required when repeat is recurring_cron');
    translateCron(spec.cron_expression);
    return;
  }
  if (!spec.invocation_time) throw fieldError('invocation_time', 'is required when repeat is one_time');
  if (!isValidLocalDate(spec.invocation_time)) throw fieldError('invocation_time', `"${spec.invocation_time}" is not a calendar date and time`);
  if (opts.invocationTimeChanged && localTimeToInstant(spec.invocation_time, spec.timezone).getTime() <= Date.now()) {
    throw fieldError('invocation_time', `${spec.invocation_time} in ${spec.timezone} is in the past`);
  }
}

/**
 * The target must be a revision of a workflow blob the caller can write (403/404 otherwise), in
 * the named org and blob, with the named definition alias and (if given) session. Returns the
 * target with org and blob names resolved to ids.
 */
export async function validateTarget(app: App, caller: Caller, given: ScheduleSpec['invocation_target'] | ClientInvocationTarget) {
  const target = isClientTarget(given) ? await resolveClientTarget(app, caller, given) : given;
  const { blob, revision } = await requireRevision(app.db, caller, target.revision_id, 'write');
  const named = await requireBlob(app.db, caller, target.blob_id, 'read', target.org_id).catch(() => null);
  if (!named || named.blob.id !== blob.id) {
    throw fieldError('invocation_target', `revision ${revision.id} does not belong to blob ${target.blob_id} of org ${target.org_id}`);
  }
  if (blob.type !== 'workflow') throw fieldError('invocation_target', `blob ${blob.name} is a ${blob.type} blob, not a workflow blob`);
  const [definition] = await app.db
    .select({ id: definitions.id })
    .from(definitions)
    .where(and(eq(definitions.revisionId, revision.id), eq(definitions.alias, target.workflow_alias)));
  if (!definition) throw fieldError('invocation_target', `revision ${revision.id} has no definition with alias "${target.workflow_alias}"`);
  if (target.session_id) {
    const [session] = await app.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.id, target.session_id), eq(sessions.revisionId, revision.id)));
    if (!session) throw fieldError('invocation_target', `session ${target.session_id} is not a session of revision ${revision.id}`);
  }
  return { ...target, org_id: blob.orgId, blob_id: blob.id };
}
