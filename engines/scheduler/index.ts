/** The scheduler engine `scheduler_blobhub` (docs/spec.md §5): schedules as real Temporal Schedules. */
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import type { Engine } from '../../core/engines';
import { schedules } from '../../db/schema';
import { schedulerCommands } from './commands';
import { deleteSchedules, reconcileSchedules, sweepOrphanSchedules } from './store';
import { createSchedulerActivities } from './temporal/activities';
import { logger } from '../../core/log';

const reconcileEveryMs = 60_000;

export const schedulerEngine: Engine<typeof schedulerCommands> = {
  name: 'scheduler_blobhub',
  blobType: 'scheduler',
  commands: schedulerCommands,
  workflows: fileURLToPath(new URL('./temporal/workflows.ts', import.meta.url)),
  activities: createSchedulerActivities,

  /** No orphans: the blob's Temporal Schedules go before its rows do. */
  async beforeBlobDelete(app, blob) {
    const rows = await app.db.select({ id: schedules.id }).from(schedules).where(eq(schedules.blobId, blob.id));
    await deleteSchedules(
      app,
      rows.map((r) => r.id),
    );
  },

  /**
   * The reconciler repairs rows a crash left between the database write and the Temporal call;
   * the sweeper deletes Temporal Schedules whose rows a database-level delete cascaded away.
   */
  async start(app) {
    const run = async () => {
      await reconcileSchedules(app).catch((e) => logger.error({ err: e }, 'scheduler: reconcile failed'));
      await sweepOrphanSchedules(app).catch((e) => logger.error({ err: e }, 'scheduler: sweep failed'));
    };
    await run();
    const timer = setInterval(() => void run(), reconcileEveryMs);
    return async () => clearInterval(timer);
  },
};
