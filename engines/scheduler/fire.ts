/**
 * What one fire does: as the schedule's owner (through the key that created it, if one did), create the execution on the target, and record
 * the outcome once per fire (the fire id is the fire workflow's id and run id). The fire
 * workflow then starts the execution's workflow as its child (`prepareFire`); fires begun
 * before that change start it here (`fireSchedule`).
 */
import { eq } from 'drizzle-orm';
import { roleAtLeast, roleOn } from '../../core/access';
import type { App } from '../../core/app';
import { actorOf } from '../../core/actor';
import { sha256Hex } from '../../core/crypto';
import { delegatedCaller } from '../../core/delegation';
import { ApiError, theRow } from '../../core/errors';
import { newId } from '../../core/ids';
import { blobs, revisions, scheduleExecutions, schedules } from '../../db/schema';
import { createExecution, prepareExecution, scheduledExecutionStart } from '../workflow/executions';
import type { ExecutionStart } from '../workflow/temporal/start-options';
import type { InputData } from '../workflow/model';
import { specOf, type ScheduleExecutionRow, type ScheduleRow } from './model';
import type { FireInput, FireOutcome } from './temporal/contracts';
import { localTimeToInstant } from './time';

/** How the execution is created: with its workflow started, or only its row (the fire workflow starts the child). */
type Creation = typeof createExecution | typeof prepareExecution;

type Invocation = Pick<ScheduleExecutionRow, 'status' | 'result'>;

const accessError = (message: string): Invocation => ({ status: 'access_error', result: { error: message } });
const invocationError = (message: string): Invocation => ({ status: 'invocation_error', result: { error: message } });

/** One fire, one execution: its id derives from the fire, so a retried fire cannot start a second one. */
const executionIdOf = (fireId: string) => `exe_${sha256Hex(fireId).slice(0, 26)}`;

/** Tells "the target is gone" (invocation_error) apart from "the owner lost access" (access_error). */
async function invoke(app: App, row: ScheduleRow, fireId: string, create: Creation): Promise<Invocation> {
  const target = specOf(row).invocation_target;
  const caller = await delegatedCaller(app.db, row, 'schedule');
  if (typeof caller === 'string') return accessError(caller);
  const [found] = await app.db
    .select({ blob: blobs, revision: revisions })
    .from(revisions)
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .where(eq(revisions.id, target.revision_id));
  if (!found) return invocationError(`the target revision ${target.revision_id} no longer exists`);
  if (!roleAtLeast(await roleOn(app.db, caller, { type: 'blob', blob: found.blob }), 'write')) {
    const who = caller.kind === 'key' ? `the API key ${caller.keyId} that created the schedule` : `the schedule owner ${row.ownerId}`;
    return accessError(`${who} can no longer write to blob ${found.blob.id}`);
  }
  try {
    // the owner's access was checked just above: the execution is created without checking again
    await create(app, {
      caller,
      actor: actorOf(caller, { via: 'schedule' }),
      blob: found.blob,
      revision: found.revision,
      sessionId: target.session_id,
      alias: target.workflow_alias,
      inputData: target.input_data as InputData | undefined,
      scheduleId: row.id,
      executionId: executionIdOf(fireId),
    });
    return { status: 'success', result: { execution_id: executionIdOf(fireId) } };
  } catch (e) {
    // client errors (alias or session gone, bad input) are the target's fault; the rest retry
    if (e instanceof ApiError && !['internal', 'unavailable'].includes(e.specCode)) return invocationError(e.message);
    throw e;
  }
}

const outcomeOf = (recorded: ScheduleExecutionRow): FireOutcome => ({
  status: recorded.status,
  executionId: (recorded.result as { execution_id?: string }).execution_id,
});

/** A fire that starts its execution's workflow itself (the path of fires begun before the child workflow). */
export const fireSchedule = (app: App, input: FireInput) => recordFire(app, input, createExecution);

/** A fire's record and execution row, and how the fire workflow is to start that execution as its child. */
export async function prepareFire(app: App, input: FireInput): Promise<FireOutcome & { start?: ExecutionStart }> {
  const outcome = await recordFire(app, input, prepareExecution);
  if (!outcome.executionId) return outcome;
  const [row] = await app.db.select({ keyId: schedules.createdByKeyId }).from(schedules).where(eq(schedules.id, input.scheduleId));
  return { ...outcome, start: await scheduledExecutionStart(app, outcome.executionId, { scheduleId: input.scheduleId, keyId: row?.keyId ?? null }) };
}

async function recordFire(app: App, input: FireInput, create: Creation): Promise<FireOutcome> {
  const [already] = await app.db.select().from(scheduleExecutions).where(eq(scheduleExecutions.fireId, input.fireId));
  if (already) return outcomeOf(already);
  const [row] = await app.db.select().from(schedules).where(eq(schedules.id, input.scheduleId));
  if (!row || row.syncState === 'deleting') return { status: 'schedule_deleted' };

  const invocation = await invoke(app, row, input.fireId, create);
  const spec = specOf(row);
  await app.db.transaction(async (tx) => {
    await tx
      .insert(scheduleExecutions)
      .values({
        id: newId('scheduleExecution'),
        scheduleId: row.id,
        fireId: input.fireId,
        scheduledAt: new Date(input.scheduledAt),
        invocationTargetType: spec.invocation_target_type,
        invocationTarget: spec.invocation_target,
        ...invocation,
      })
      .onConflictDoNothing({ target: scheduleExecutions.fireId });
    // the one-time fire itself (not an earlier "trigger now") completes the schedule
    if (spec.repeat === 'one_time' && new Date(input.scheduledAt) >= localTimeToInstant(spec.invocation_time!, spec.timezone)) {
      await tx.update(schedules).set({ state: 'completed', updatedAt: new Date() }).where(eq(schedules.id, row.id));
    }
  });
  // The row this fire inserted, or the one a concurrent delivery of the same fire did.
  const recorded = await app.db.select().from(scheduleExecutions).where(eq(scheduleExecutions.fireId, input.fireId)).then(theRow);
  return outcomeOf(recorded);
}
