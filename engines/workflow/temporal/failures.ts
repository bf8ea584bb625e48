/** How the interpreter workflow tells failures apart: a timed-out execution, a failed component, and what an activity failure says. */
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, TimeoutFailure } from '@temporalio/workflow';
import type { ComponentFailureDetails, ExecutionOutcome, PlanComponent } from '../plan';
import { DEFAULT_COMPONENT_TIMEOUT_MS } from './activity-stubs';

/** The execution ran past its timeout_seconds. */
export class ExecutionTimedOut extends Error {}

/** A component that failed with no failure route: ends the execution. */
export class ComponentFailed extends Error {
  constructor(readonly error: NonNullable<ExecutionOutcome['error']>) {
    super(error.message);
  }
}

export interface FailureInfo {
  message: string;
  kind: string;
  attempt: number;
}

export function failureInfo(err: unknown, c: PlanComponent): FailureInfo {
  const maxAttempts = c.retry?.maximum_attempts ?? 1;
  let cause: unknown = err;
  if (err instanceof ActivityFailure || err instanceof ChildWorkflowFailure) cause = err.cause;
  if (cause instanceof TimeoutFailure)
    return { message: `${c.type} timed out after ${c.timeoutMs ?? DEFAULT_COMPONENT_TIMEOUT_MS} ms`, kind: 'timeout', attempt: maxAttempts };
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as ComponentFailureDetails | undefined;
    return { message: cause.message, kind: details?.kind ?? cause.type ?? 'error', attempt: details?.attempt ?? maxAttempts };
  }
  return { message: (cause as Error)?.message ?? String(cause), kind: 'error', attempt: maxAttempts };
}
