/** Scheduler blobs: schedules that fire workflow executions (EventBridge cron or one time). */
import { Option, type Command } from 'commander';
import type { BlobHub, Schedule } from '../../../sdk';
import { collect, withContext, type CliContext } from '../context';
import { UsageError } from '../exit-codes';
import type { Column } from '../output';
import { parseInputs } from '../inputs';

const overlapPolicies = ['skip', 'buffer_one', 'buffer_all', 'cancel_other', 'terminate_other', 'allow_all'] as const;

const scheduleColumns: Column<Schedule>[] = [
  ['ID', (s) => s.id],
  ['STATE', (s) => s.state],
  ['WHEN', (s) => (s.repeat === 'one_time' ? `at ${s.invocation_time}` : `cron ${s.cron_expression}`)],
  ['TIMEZONE', (s) => s.timezone],
  ['NEXT FIRE', (s) => s.next_fire_times[0]],
  ['WORKFLOW', (s) => workflowOf(s.invocation_target)],
];

/** The target in either form a schedule may have been written in (this server's, or BlobHub's clients'). */
function workflowOf(target: Schedule['invocation_target']): string {
  return 'workflow_alias' in target ? `${target.blob_id} ${target.workflow_alias}` : `${target.target.blob} ${target.workflow.definition}`;
}

interface CreateOptions {
  target: string;
  workflow: string;
  cron?: string;
  at?: string;
  timezone: string;
  input: string[];
  targetRevision?: string;
  session?: string;
  overlap: (typeof overlapPolicies)[number];
  paused?: boolean;
  revision?: string;
}

function printSchedule(ctx: CliContext, result: { schedule: Schedule }, verb: string) {
  const { schedule } = result;
  ctx.out.result(result, () => {
    console.log(`Schedule ${schedule.id} ${verb}: ${schedule.state}`);
    if (schedule.next_fire_times.length) console.log(`next fire times: ${schedule.next_fire_times.join(', ')}`);
  });
}

type ScheduleRef = { revision_id: string; schedule_id: string };

/** The one-schedule verbs: what each is called on the command line, says when done, and sends. */
const scheduleVerbs: [verb: string, done: string, send: (hub: BlobHub, ref: ScheduleRef, note?: string) => Promise<{ schedule: Schedule }>][] = [
  ['pause', 'paused', (hub, ref, note) => hub.call((t) => t.scheduler_blobhub.pause_schedule.mutate({ ...ref, note }))],
  ['unpause', 'unpaused', (hub, ref, note) => hub.call((t) => t.scheduler_blobhub.unpause_schedule.mutate({ ...ref, note }))],
  ['trigger', 'fired', (hub, ref) => hub.call((t) => t.scheduler_blobhub.trigger_schedule.mutate(ref))],
  ['show', 'is', (hub, ref) => hub.call((t) => t.scheduler_blobhub.get_schedule.query(ref))],
];

export function registerSchedules(program: Command) {
  const schedules = program.command('schedules').description('schedules of a scheduler blob');
  schedules
    .command('ls <blob>')
    .option('--revision <id>', 'the revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, opts: { revision?: string }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const page = await ctx.hub.call((t) => t.scheduler_blobhub.list_schedules.query({ revision_id: revisionId, limit: 100 }));
        ctx.out.result(page, () => ctx.out.table(page.schedules, scheduleColumns));
      }),
    );
  schedules
    .command('create <blob>')
    .description('create a schedule that runs a workflow definition')
    .requiredOption('--target <org/blob>', 'the workflow blob to run')
    .requiredOption('--workflow <alias>', 'the definition alias to run')
    .option('--cron <expression>', 'EventBridge cron: "min hour day-of-month month day-of-week year", e.g. "0 9 ? * MON-FRI *"')
    .option('--at <local time>', 'one time, e.g. 2026-05-01T14:30:00 (in --timezone)')
    .option('--timezone <iana>', 'IANA time zone', Intl.DateTimeFormat().resolvedOptions().timeZone)
    .option('-i, --input <name=value>', 'an input of each execution (as for run)', collect, [])
    .option('--target-revision <id>', "the workflow revision (default: the target's latest snapshot, else its latest revision)")
    .option('--session <id>', 'run the executions inside this session')
    .addOption(new Option('--overlap <policy>', 'when a fire finds the previous one still running').choices(overlapPolicies).default('skip'))
    .option('--paused', 'create it paused')
    .option('--revision <id>', 'the scheduler revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, opts: CreateOptions) => {
        if (Boolean(opts.cron) === Boolean(opts.at)) throw new UsageError('give exactly one of --cron and --at');
        const inputs = parseInputs(opts.input);
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const target = await ctx.hub.blobs.get(opts.target);
        const targetRevision = opts.targetRevision ?? target.latest_snapshot_id ?? target.latest_revision_id;
        if (!targetRevision) throw new UsageError(`${opts.target} has no revision to run`);
        const result = await ctx.hub.call((t) =>
          t.scheduler_blobhub.create_schedule.mutate({
            revision_id: revisionId,
            repeat: opts.cron ? 'recurring_cron' : 'one_time',
            cron_expression: opts.cron,
            invocation_time: opts.at,
            timezone: opts.timezone,
            enabled: !opts.paused,
            overlap_policy: opts.overlap,
            invocation_target_type: 'workflow',
            invocation_target: {
              org_id: target.org_id,
              blob_id: target.id,
              revision_id: targetRevision,
              session_id: opts.session,
              workflow_alias: opts.workflow,
              input_data: Object.entries(inputs).map(([alias, value]) => ({ alias, value })),
            },
          }),
        );
        printSchedule(ctx, result, 'created');
      }),
    );
  for (const [verb, done, send] of scheduleVerbs) {
    const sub = schedules.command(`${verb} <blob> <schedule>`).option('--revision <id>', 'the revision (default: the latest)');
    if (verb === 'pause' || verb === 'unpause') sub.option('--note <text>', 'why (shown with the schedule)');
    sub.action(
      withContext(async (ctx, ref: string, scheduleId: string, opts: { revision?: string; note?: string }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        printSchedule(ctx, await send(ctx.hub, { revision_id: revisionId, schedule_id: scheduleId }, opts.note), done);
      }),
    );
  }
  schedules
    .command('delete <blob> <schedule>')
    .option('--revision <id>', 'the revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, scheduleId: string, opts: { revision?: string }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        await ctx.hub.call((t) => t.scheduler_blobhub.delete_schedule.mutate({ revision_id: revisionId, schedule_id: scheduleId }));
        ctx.out.result({}, () => console.log(`Deleted schedule ${scheduleId}`));
      }),
    );
}
