import type { App } from '../core/app';

/** Every activity the worker registers, bound to the process's App. */
export function createActivities(_app: App) {
  return {};
}
