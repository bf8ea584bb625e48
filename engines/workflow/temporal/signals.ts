/** The signal the API sends an execution and the interpreter workflow handles. Pure: workflow-safe. */
import { defineSignal } from '@temporalio/workflow';

export interface ExecutionSignal {
  name: string;
  payload?: unknown;
}

/** signal_execution and thread posts deliver `{name, payload}` under this one Temporal signal; flow.wait picks by name. */
export const executionSignal = defineSignal<[ExecutionSignal]>('blobhub.signal');

/** The signal name under which an item posted to the thread `alias` reaches flow.wait. */
export const threadSignalName = (alias: string) => `thread:${alias}`;
