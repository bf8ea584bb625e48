/** How the interpreter workflow calls activities: its control activities and one stub per component type. */
import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { createControlActivities } from './activities';
import type { ComponentRequest, ComponentResponse, PlanComponent } from '../plan';

export const control = proxyLocalActivities<ReturnType<typeof createControlActivities>>({
  startToCloseTimeout: '60s',
  // a database outage of any length delays the execution and fails none of it: retried without
  // limit, at least every 10 s (their permanent errors are non-retryable)
  retry: { initialInterval: '200ms', maximumInterval: '10s' },
});

export type ComponentActivity = (request: ComponentRequest) => Promise<ComponentResponse>;
export const DEFAULT_COMPONENT_TIMEOUT_MS = 5 * 60_000;

/**
 * No attempt limit here: the activity counts the user's attempts itself and fails for good when
 * they are used up, while outages of the platform retry without using them (retries.ts).
 */
function activityOptions(c: PlanComponent): ActivityOptions & LocalActivityOptions {
  const r = c.retry;
  return {
    startToCloseTimeout: c.timeoutMs ?? DEFAULT_COMPONENT_TIMEOUT_MS,
    retry: {
      initialInterval: r?.initial_interval_ms ?? 200,
      backoffCoefficient: r?.backoff ?? 2,
      maximumInterval: r?.maximum_interval_ms,
    },
  };
}

export function componentActivity(c: PlanComponent): ComponentActivity {
  const options = activityOptions(c);
  const proxy = c.runsIn === 'local_activity' ? proxyLocalActivities(options) : proxyActivities(options);
  return (proxy as Record<string, ComponentActivity>)[c.type];
}
