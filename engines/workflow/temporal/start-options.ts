/**
 * How an execution's interpreter workflow is started: by the API through the client, or by a
 * schedule fire as its child. One shape for both, so either start looks the same in Temporal. Pure: workflow-safe.
 */
import type { ExecutionArgs } from '../plan';
import { executionSearchAttributes } from './search-attributes';

export interface ExecutionStart {
  args: ExecutionArgs;
  memo: { definition_hash: string; created_by: string | null; schedule_id: string | null };
}

/** Workflow id (= execution id), arguments, search attributes and memo of the execution's workflow. */
export const executionStartOptions = (start: ExecutionStart) => ({
  workflowId: start.args.executionId,
  args: [start.args] as [ExecutionArgs],
  typedSearchAttributes: executionSearchAttributes(start.args),
  memo: start.memo,
});
