/**
 * Delivers one thread item to the executions waiting on its thread: a short workflow per post, so
 * that the post costs one workflow start however many executions wait, and Temporal retries the
 * delivery durably. Deterministic: workflow APIs only.
 */
import { signalInBatches } from './event-delivery';
import type { ExecutionSignal } from './signals';

export interface ThreadItemDelivery {
  executionIds: string[];
  signal: ExecutionSignal;
}

export async function threadItemDelivery({ executionIds, signal }: ThreadItemDelivery): Promise<void> {
  await signalInBatches(executionIds.map((executionId) => ({ executionId, signal })));
}
