/** How the interpreter workflow calls activities: its control activities and one stub per component type. */
import {
  ActivityCancellationType,
  patched,
  proxyActivities,
  proxyLocalActivities,
  type ActivityOptions,
  type LocalActivityOptions,
} from '@temporalio/workflow';
import type { ComponentRequest, ComponentResponse, PlanComponent, RunsIn } from '../plan';
import type { ControlActivities } from './contracts';
import { componentSummary } from './ui-metadata';

const controlOptions: LocalActivityOptions & ActivityOptions = {
  startToCloseTimeout: '60s',
  // a database outage of any length delays the execution and fails none of it: retried without
  // limit, at least every 10 s (their permanent errors are non-retryable)
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
};

export const control = proxyLocalActivities<ControlActivities>(controlOptions);
/** The same, as ordinary activities: one ends the current workflow task (see TaskBudget). */
export const controlAsActivity = proxyActivities<ControlActivities>(controlOptions);

export type ComponentActivity = (request: ComponentRequest) => Promise<ComponentResponse>;
export const DEFAULT_COMPONENT_TIMEOUT_MS = 5 * 60_000;
/**
 * A component running as a normal activity heartbeats while it works (activities.ts); one whose
 * worker went silent this long is retried on another worker instead of at its start-to-close timeout.
 */
export const COMPONENT_HEARTBEAT_TIMEOUT_MS = 10_000;

/**
 * A cancelled execution waits until its running components have stopped, so none records anything
 * after the execution ended. Behind a patch: histories recorded before went on at once, and waiting
 * would issue their later commands in another order.
 */
const cancellationType = () =>
  patched('component-wait-cancellation') ? ActivityCancellationType.WAIT_CANCELLATION_COMPLETED : ActivityCancellationType.TRY_CANCEL;

/**
 * No attempt limit here: the activity counts the user's attempts itself and fails for good when
 * they are used up, while outages of the platform retry without using them (retries.ts).
 */
function activityOptions(c: PlanComponent): ActivityOptions & LocalActivityOptions {
  const r = c.retry;
  return {
    // user metadata only (shown in the Temporal UI): the same commands, no patch needed
    summary: componentSummary(c),
    startToCloseTimeout: c.timeoutMs ?? DEFAULT_COMPONENT_TIMEOUT_MS,
    retry: {
      initialInterval: r?.initial_interval_ms ?? 200,
      backoffCoefficient: r?.backoff ?? 2,
      maximumInterval: r?.maximum_interval_ms,
    },
    cancellationType: cancellationType(),
  };
}

/** The component's activity, run where its type runs unless `runsIn` says otherwise. */
export function componentActivity(c: PlanComponent, runsIn: RunsIn = c.runsIn): ComponentActivity {
  const options = activityOptions(c);
  const proxy = runsIn === 'local_activity' ? proxyLocalActivities(options) : proxyActivities({ ...options, heartbeatTimeout: COMPONENT_HEARTBEAT_TIMEOUT_MS });
  const activity = (proxy as Record<string, ComponentActivity | undefined>)[c.type];
  // a proxy answers every name, so this only guards the type
  if (!activity) throw new Error(`no activity stub for ${c.type}`);
  return activity;
}
