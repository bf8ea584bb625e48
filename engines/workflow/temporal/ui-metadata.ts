/** What the Temporal UI shows of an execution and its steps, set by the API and by a parent workflow. Pure: workflow-safe. */
import type { ExecutionArgs, PlanComponent } from '../plan';

/** Who or what started an execution, as the Temporal UI names it. */
export type StartedBy = { schedule: string } | { parentExecution: string } | { key: string } | { user: string } | 'anonymous';

/** The starter of an execution the API creates: a schedule fire, else the caller's key, else its user. */
export function startedByOf(args: ExecutionArgs, scheduleId?: string): StartedBy {
  if (scheduleId) return { schedule: scheduleId };
  if (args.createdByKeyId) return { key: args.createdByKeyId };
  return args.createdBy ? { user: args.createdBy } : 'anonymous';
}

function describeStarter(by: StartedBy): string {
  if (by === 'anonymous') return 'anonymous';
  if ('schedule' in by) return `schedule ${by.schedule}`;
  if ('parentExecution' in by) return `parent execution ${by.parentExecution}`;
  if ('key' in by) return `API key ${by.key}`;
  return `user ${by.user}`;
}

/** The workflow's static summary (one line) and details (Markdown) in the Temporal UI. */
export function executionUiMetadata(args: ExecutionArgs, by: StartedBy): { staticSummary: string; staticDetails: string } {
  const starter = describeStarter(by);
  return {
    staticSummary: `BlobHub execution of ${args.alias}, started by ${starter}`,
    staticDetails: [
      `**Definition** ${args.alias} (${args.definitionId})`,
      `**Blob** ${args.blobId} · **revision** ${args.revisionId} · **org** ${args.orgId}`,
      `**Session** ${args.sessionId}`,
      `**Started by** ${starter}`,
    ].join('\n\n'),
  };
}

/** How a component's activity or timer is named in the Temporal UI: `fib (logic.code)` (its id when it has no name). */
export const componentSummary = (c: PlanComponent) => `${c.name || c.id} (${c.type})`;
