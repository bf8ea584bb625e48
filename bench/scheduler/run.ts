/**
 * Scheduler benchmark (not a test): one Temporal dev server, one PostgreSQL, one API + worker
 * process. For each step, S schedules fire every minute for M minutes; we count the fires that
 * produced an execution and measure two delays from the scheduled slot time: until the fire was
 * recorded (the scheduler's own part: Temporal Schedule → fire workflow → createExecution), and
 * until the execution's workflow reported `started_at` (what a user sees as `execution_started`).
 *
 *   npm run bench:scheduler                       # steps 25,100,250 schedules, 4/2/2 minutes
 *   BENCH_STEPS=25x4,100x2 npm run bench:scheduler
 */
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { executions, scheduleExecutions } from '../../db/schema';
import { fibonacciDefinition } from '../../test/support/workflow-builders';
import { startBenchPlatform } from '../support/platform';
import { percentile } from '../support/stats';

const steps = (process.env.BENCH_STEPS ?? '25x4,100x2,250x2').split(',').map((s) => {
  const [schedules, minutes] = s.split('x').map(Number);
  if (!schedules || !minutes) throw new Error(`BENCH_STEPS: "${s}" is not <schedules>x<minutes>`);
  return { schedules, minutes };
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const nextMinute = (t: number) => Math.ceil(t / 60_000) * 60_000;

const platform = await startBenchPlatform();
const { app, admin: client } = platform;

try {
  const org = (await client.post('/orgs', { name: 'bench' })).body.org;
  const flows = (await client.post('/orgs/bench/blobs', { name: 'flows', type: 'workflow', visibility: 'private' })).body;
  await client.data(flows.revision.id, 'workflow_blobhub', 'upload_definition', { alias: 'fib', definition: fibonacciDefinition() });
  const timers = (await client.post('/orgs/bench/blobs', { name: 'timers', type: 'scheduler', visibility: 'private' })).body;

  console.log(
    '| active every-minute schedules | minutes | fires expected | executions started | fire recorded p50 / p99 | execution started p50 / p99 | max |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const step of steps) {
    const ids: string[] = [];
    for (let i = 0; i < step.schedules; i++) {
      const res = await client.data(timers.revision.id, 'scheduler_blobhub', 'create_schedule', {
        repeat: 'recurring_cron',
        cron_expression: '* * * * ? *',
        timezone: 'UTC',
        invocation_target_type: 'workflow',
        invocation_target: {
          org_id: org.id,
          blob_id: flows.blob.id,
          revision_id: flows.revision.id,
          workflow_alias: 'fib',
          input_data: [{ alias: 'n', value: { type: 'integer', integer: 20 } }],
        },
      });
      if (res.status !== 200) throw new Error(`create_schedule: ${JSON.stringify(res.body)}`);
      ids.push(res.body.schedule.id);
    }
    const windowStart = nextMinute(Date.now() + 1_000);
    const windowEnd = windowStart + step.minutes * 60_000;
    await sleep(windowEnd - Date.now() + 20_000);
    const rows = await app.db
      .select({ scheduledAt: scheduleExecutions.scheduledAt, recordedAt: scheduleExecutions.createdAt, startedAt: executions.startedAt })
      .from(scheduleExecutions)
      .leftJoin(executions, eq(executions.id, sql`${scheduleExecutions.result}->>'execution_id'`))
      .where(
        and(
          inArray(scheduleExecutions.scheduleId, ids),
          gte(scheduleExecutions.scheduledAt, new Date(windowStart)),
          lt(scheduleExecutions.scheduledAt, new Date(windowEnd)),
        ),
      );
    const delaysUntil = (at: (r: (typeof rows)[number]) => Date | null) =>
      rows
        .filter((r) => at(r) && r.scheduledAt)
        .map((r) => at(r)!.getTime() - r.scheduledAt!.getTime())
        .sort((a, b) => a - b);
    const recorded = delaysUntil((r) => r.recordedAt);
    const started = delaysUntil((r) => r.startedAt);
    const s = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '–' : `${(v / 1000).toFixed(2)} s`);
    const p50p99 = (d: number[]) => `${s(percentile(d, 50))} / ${s(percentile(d, 99))}`;
    console.log(
      `| ${step.schedules} | ${step.minutes} | ${step.schedules * step.minutes} | ${started.length} | ${p50p99(recorded)} | ${p50p99(started)} | ${s(started.at(-1))} |`,
    );
    // remove this step's schedules so the next step measures only its own load
    for (const id of ids) await client.data(timers.revision.id, 'scheduler_blobhub', 'delete_schedule', { schedule_id: id });
  }
} finally {
  await platform.shutdown();
}
