/** How the interpreter workflow calls activities: its control activities and one stub per component type. */
import { proxyActivities, proxyLocalActivities, type ActivityOptions, type LocalActivityOptions } from '@temporalio/workflow';
import type { createControlActivities } from './activities';
import type { ComponentRequest, ComponentResponse, PlanComponent, RunsIn } from '../plan';

type ControlActivities = ReturnType<typeof createControlActivities>;
const controlOptions = { startToCloseTimeout: '60s', retry: { initialInterval: '200ms', maximumAttempts: 30 } } as const;

export const control = proxyLocalActivities<ControlActivities>(controlOptions);
/** The same, as ordinary activities: one ends the current workflow task (see TaskBudget). */
export const controlAsActivity = proxyActivities<ControlActivities>(controlOptions);

export type ComponentActivity = (request: ComponentRequest) => Promise<ComponentResponse>;
export const DEFAULT_COMPONENT_TIMEOUT_MS = 5 * 60_000;
/** attempts for platform errors (database blips) when a component sets no retry policy */
const DEFAULT_ATTEMPTS = 3;

function activityOptions(c: PlanComponent): ActivityOptions & LocalActivityOptions {
  const r = c.retry;
  return {
    startToCloseTimeout: c.timeoutMs ?? DEFAULT_COMPONENT_TIMEOUT_MS,
    retry: {
      maximumAttempts: r?.maximum_attempts ?? DEFAULT_ATTEMPTS,
      initialInterval: r?.initial_interval_ms ?? 200,
      backoffCoefficient: r?.backoff ?? 2,
      maximumInterval: r?.maximum_interval_ms,
    },
  };
}

/** The component's activity, run where its type runs unless `runsIn` says otherwise. */
export function componentActivity(c: PlanComponent, runsIn: RunsIn = c.runsIn): ComponentActivity {
  const options = activityOptions(c);
  const proxy = runsIn === 'local_activity' ? proxyLocalActivities(options) : proxyActivities(options);
  return (proxy as Record<string, ComponentActivity>)[c.type];
}
