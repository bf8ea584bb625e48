/**
 * How an execution's interpreter workflow is started: by the API through the client, or by a
 * schedule fire as its child. One shape for both, so either start looks the same in Temporal. Pure: workflow-safe.
 */
import type { ExecutionArgs } from '../plan';
import type { CarriedState } from './carry-over';
import { executionSearchAttributes } from './search-attributes';
import { executionUiMetadata, startedByOf } from './ui-metadata';

export interface ExecutionStart {
  args: ExecutionArgs;
  memo: { definition_hash: string; created_by: string | null; schedule_id: string | null };
  /** a rerun's first run continues the walk its original recorded (rerun.ts) */
  carried?: CarriedState;
}

/** Workflow id (= execution id), arguments, search attributes, memo and Temporal UI summary and details of the execution's workflow. */
export const executionStartOptions = (start: ExecutionStart) => ({
  workflowId: start.args.executionId,
  args: (start.carried ? [start.args, start.carried] : [start.args]) as [ExecutionArgs, CarriedState?],
  typedSearchAttributes: executionSearchAttributes(start.args),
  // user metadata only: a schedule fire starting its child issues the same command, no patch needed
  ...executionUiMetadata(start.args, startedByOf(start.args, start.memo.schedule_id ?? undefined)),
  memo: start.memo,
});
