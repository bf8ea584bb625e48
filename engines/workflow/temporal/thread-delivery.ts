/**
 * Delivers one thread item to the executions waiting on its thread: a short workflow per post, so
 * that the post costs one workflow start however many executions wait, and Temporal retries the
 * delivery durably. Deterministic: workflow APIs only.
 */
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { executionSignal, type ExecutionSignal } from './signals';

export interface ThreadItemDelivery {
  executionIds: string[];
  signal: ExecutionSignal;
}

/** Signal payload bytes sent in one workflow task, well under Temporal's 4 MB message limit (an item may be 350 KiB). */
const BYTES_PER_TASK = 1 << 20;

export async function threadItemDelivery({ executionIds, signal }: ThreadItemDelivery): Promise<void> {
  const perTask = Math.max(1, Math.floor(BYTES_PER_TASK / JSON.stringify(signal).length));
  for (let i = 0; i < executionIds.length; i += perTask) {
    await Promise.all(
      executionIds.slice(i, i + perTask).map((id) =>
        // the only failure is an execution that ended since the post looked it up: nothing to wake
        getExternalWorkflowHandle(id)
          .signal(executionSignal, signal)
          .catch(() => undefined),
      ),
    );
  }
}
