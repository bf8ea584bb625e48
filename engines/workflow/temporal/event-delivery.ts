/**
 * Delivers one emitted event (emit_event, flow.emit_event) to every flow.wait_for_event waiting on
 * its key in the emitter's org: a short workflow per event, so that an emit costs one workflow
 * start however many executions wait, Temporal retries the delivery durably, and a retried emit
 * (same event id) delivers nothing twice. Deterministic: workflow APIs only.
 */
import { getExternalWorkflowHandle } from '@temporalio/workflow';
import { executionSignal, type ExecutionSignal } from './signals';

export interface SignalDelivery {
  executionId: string;
  signal: ExecutionSignal;
}

export interface EventDelivery {
  deliveries: SignalDelivery[];
}

/** Signal payload bytes sent in one workflow task, well under Temporal's 4 MB message limit. */
const BYTES_PER_TASK = 1 << 20;

/** Signals each execution its signal, as many at once as fit one workflow task. */
export async function signalInBatches(deliveries: SignalDelivery[]): Promise<void> {
  const largest = Math.max(1, ...deliveries.map((d) => JSON.stringify(d.signal).length));
  const perTask = Math.max(1, Math.floor(BYTES_PER_TASK / largest));
  for (let i = 0; i < deliveries.length; i += perTask) {
    await Promise.all(
      deliveries.slice(i, i + perTask).map(({ executionId, signal }) =>
        // the only failure is an execution that ended since the sender looked it up: nothing to wake
        getExternalWorkflowHandle(executionId)
          .signal(executionSignal, signal)
          .catch(() => undefined),
      ),
    );
  }
}

export async function eventDelivery({ deliveries }: EventDelivery): Promise<void> {
  await signalInBatches(deliveries);
}
