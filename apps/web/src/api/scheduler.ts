/**
 * What the pages share about the scheduler engine's commands (docs/spec.md §5). The commands
 * themselves are the typed procedures under `scheduler_blobhub`; result types come from the SDK.
 */
import type { CommandParams, InvocationTarget, OverlapPolicy, Schedule, ScheduleExecution } from '../../../../sdk/browser';

export type { InvocationTarget, OverlapPolicy, Schedule, ScheduleExecution };

/** The target by ids, also for a schedule written in BlobHub's client form. */
export const resolvedTargetOf = (s: Schedule): InvocationTarget =>
  ('resolved_invocation_target' in s && s.resolved_invocation_target) || (s.invocation_target as InvocationTarget);

/** What the schedule form sends (to create, or as the changes of an update); the server validates and answers field by field. */
export type ScheduleParams = CommandParams<'scheduler_blobhub', 'create_schedule'>;
