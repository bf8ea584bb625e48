/** The signal and the update the API sends an execution and the interpreter workflow handles. Pure: workflow-safe. */
import { ApplicationFailure, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { WaitConfig } from '../components/flow';
import type { Plan } from '../plan';

export interface ExecutionSignal {
  name: string;
  payload?: unknown;
}

/** Thread posts (and callers from before the update) deliver `{name, payload}` under this one Temporal signal; flow.wait picks by name. */
export const executionSignal = defineSignal<[ExecutionSignal]>('blobhub.signal');

/**
 * signal_execution delivers `{name, payload}` as this update: its validator refuses a name no
 * flow.wait of the plan consumes before anything is written to history, and an accepted update
 * returns once the signal is buffered.
 */
export const executionSignalUpdate = defineUpdate<void, [ExecutionSignal]>('blobhub.signal');

/** The failure type of a refused signal name; the API answers it with bad_request. */
export const UNKNOWN_SIGNAL = 'UnknownSignal';

/** The signal name under which an item posted to the thread `alias` reaches flow.wait. */
export const threadSignalName = (alias: string) => `thread:${alias}`;

/** Every signal name a flow.wait of the plan waits for: its `signal`, or `thread:<alias>`. */
export function consumableSignalNames(plan: Plan): Set<string> {
  const waits = Object.values(plan.components).filter((c) => c.type === 'flow.wait');
  return new Set(waits.map((c) => waitSignalName(c.config as WaitConfig)));
}

export const waitSignalName = (config: WaitConfig) => config.signal ?? threadSignalName(config.thread_alias!);

/** Throws (refusing the update) when no flow.wait of the plan can ever consume the signal. */
export function requireConsumable(names: ReadonlySet<string>, signal: ExecutionSignal) {
  if (names.has(signal.name)) return;
  const waited = [...names].map((n) => `'${n}'`).join(', ') || 'none';
  throw ApplicationFailure.nonRetryable(`no flow.wait of this execution waits for the signal '${signal.name}' (it waits for: ${waited})`, UNKNOWN_SIGNAL, {
    waits_for: [...names],
  });
}

/** Tells an execution waiting for its blob's execution limits that a slot may be free: it asks again (limits.ts). */
export const admissionSignal = defineSignal('blobhub.admission');

/**
 * The signal name under which an emitted event reaches one waiting flow.wait_for_event: named by
 * the visit that waits (found in workflow_event_waiters by org and key), so that two waits on one
 * key in one execution each get the event, and one that ended never takes an event meant for a later visit.
 */
export const eventSignalName = (visit: string) => `event:${visit}`;

/** What a woken flow.wait_for_event receives: the payload of its signal. */
export interface DeliveredEvent {
  event_id: string;
  key: string;
  payload: unknown;
}
