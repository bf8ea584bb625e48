import type { UntypedActivities } from '@temporalio/common';
import type { App } from '../core/app';
import { allEngines } from '../core/engines';

/** Every engine's activities, bound to the process's App: what the worker registers. */
export function createActivities(app: App): UntypedActivities {
  const merged: UntypedActivities = {};
  for (const engine of allEngines()) {
    for (const [name, activity] of Object.entries(engine.activities?.(app) ?? {})) {
      if (merged[name]) throw new Error(`two engines register the activity ${name}`);
      merged[name] = activity;
    }
  }
  return merged;
}
