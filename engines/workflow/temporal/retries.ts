/**
 * Whose fault a component activity's failure is, and how it is retried. Temporal counts every
 * attempt of an activity together; BlobHub splits them (docs/workflow.md, "Retries"):
 * - a ComponentError (the component's own work failed) follows the component's `retry`: retried
 *   only when the component sets one, for at most `maximum_attempts` user attempts, with its backoff;
 * - an outage of a service the platform depends on (database, blob store: `isOutage`), or the
 *   worker stopping the run (shutdown, activity lost: WorkerInterrupted) is retried without limit,
 *   at most PLATFORM_RETRY_MAX_MS apart, and uses none of the user's attempts;
 * - anything else (a timeout, a lost worker, an unexpected error) is a user attempt too, within
 *   `maximum_attempts` (DEFAULT_ATTEMPTS when the component sets none).
 * The user attempt of Temporal's attempt n is n minus the outage failures before it, which the
 * worker process counts per activity. A local activity retries on the worker that runs its
 * workflow; an activity retried on another worker (or after a restart) counts earlier outage
 * failures as user attempts, so the user's budget can only end sooner, never later.
 */
import type { Info } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { isOutage } from '../../../core/errors';
import { ComponentError } from '../components';
import type { ComponentFailureDetails, PlanComponent } from '../plan';

/** user attempts for timeouts and unexpected errors when a component sets no `retry.maximum_attempts` */
const DEFAULT_ATTEMPTS = 3;
const DEFAULT_INITIAL_INTERVAL_MS = 200;
/** Temporal's default maximum interval: 100 × the initial one */
const DEFAULT_MAXIMUM_INTERVAL_FACTOR = 100;
const PLATFORM_RETRY_INITIAL_MS = 200;
const PLATFORM_RETRY_MAX_MS = 5_000;
/** activities whose outage failures are counted at once; the oldest is forgotten beyond it */
const MAX_TRACKED_ACTIVITIES = 10_000;

/** User errors that no retry can fix. */
const permanentKinds = new Set([
  'value_too_large',
  'credential_not_found',
  'credential_forbidden',
  'credential_host_not_allowed',
  'blocked_destination',
  // a server refused the credential's login or key (email.send, ai.chat)
  'smtp_auth',
  'llm_auth',
]);

/** The worker stopped the run (it shuts down, or Temporal gave the activity up): not the component's fault. */
export class WorkerInterrupted extends Error {}

/** The component ran past its own timeout: a user attempt (kind `timeout`), never an outage. */
export class ComponentTimedOut extends Error {}

const outageFailures = new Map<string, number>();

const activityKey = (info: Info) => `${info.workflowExecution?.workflowId}/${info.workflowExecution?.runId}/${info.activityId}`;

const attemptBudget = (c: PlanComponent) => c.retry?.maximum_attempts ?? DEFAULT_ATTEMPTS;

/** This attempt's number as the user counts them: outage failures before it are not counted. */
export function userAttempt(info: Info): number {
  return info.attempt - (outageFailures.get(activityKey(info)) ?? 0);
}

function countOutageFailure(info: Info): number {
  const key = activityKey(info);
  const count = (outageFailures.get(key) ?? 0) + 1;
  outageFailures.delete(key); // re-inserted last: the map forgets the activity idle the longest
  outageFailures.set(key, count);
  if (outageFailures.size > MAX_TRACKED_ACTIVITIES) outageFailures.delete(outageFailures.keys().next().value!);
  return count;
}

/** The activity is done (succeeded or failed for good): nothing more to count. */
export function forgetAttempts(info: Info) {
  outageFailures.delete(activityKey(info));
}

/**
 * Before the work: the attempts Temporal already made that no failure of ours accounts for
 * (timeouts, lost workers) are user attempts; when they used the last one, the component fails.
 */
export function assertUserAttemptsLeft(component: PlanComponent, info: Info) {
  const used = userAttempt(info) - 1;
  if (used < attemptBudget(component)) return;
  forgetAttempts(info);
  const details: ComponentFailureDetails = { attempt: used, kind: 'timeout' };
  throw ApplicationFailure.create({
    message: `${component.type} timed out or lost its worker on each of its ${used} attempts`,
    type: 'timeout',
    nonRetryable: true,
    details: [details],
  });
}

/**
 * The delay before user attempt n + 1 by the component's backoff. Temporal would compute the same
 * from its own attempt number, which outage failures have pushed up.
 */
function userRetryDelayMs(c: PlanComponent, attempt: number): number {
  const initial = c.retry?.initial_interval_ms ?? DEFAULT_INITIAL_INTERVAL_MS;
  const maximum = c.retry?.maximum_interval_ms ?? initial * DEFAULT_MAXIMUM_INTERVAL_FACTOR;
  return Math.min(initial * (c.retry?.backoff ?? 2) ** (attempt - 1), maximum);
}

const outageRetryDelayMs = (failures: number) => Math.min(PLATFORM_RETRY_INITIAL_MS * 2 ** (failures - 1), PLATFORM_RETRY_MAX_MS);

/** A failure's message enters Temporal history (and the failure route's `error` value): kept to a readable size. */
const FAILURE_MESSAGE_CHARS = 8 * 1024;

const shortMessage = (message: string) =>
  message.length > FAILURE_MESSAGE_CHARS ? `${message.slice(0, FAILURE_MESSAGE_CHARS)}… (${message.length} characters)` : message;

/** The failure a component activity reports for this attempt, retryable or not by the rules above. */
export function componentFailure(error: unknown, component: PlanComponent, info: Info): ApplicationFailure {
  const message = shortMessage(String((error as Error).message));
  const userError = error instanceof ComponentError;
  if (error instanceof WorkerInterrupted || (!userError && isOutage(error))) {
    const attempt = userAttempt(info);
    const details: ComponentFailureDetails = { attempt, kind: 'unavailable' };
    return ApplicationFailure.create({ message, type: 'unavailable', details: [details], nextRetryDelay: outageRetryDelayMs(countOutageFailure(info)) });
  }
  const attempt = userAttempt(info);
  const kind = userError ? error.kind : error instanceof ComponentTimedOut ? 'timeout' : 'internal';
  // user errors retry only when the component asks for retries
  const retryable = (userError ? component.retry !== undefined && !permanentKinds.has(kind) : true) && attempt < attemptBudget(component);
  if (!retryable) forgetAttempts(info);
  const details: ComponentFailureDetails = { attempt, kind };
  return ApplicationFailure.create({
    message,
    type: kind,
    nonRetryable: !retryable,
    details: [details],
    // never sooner than the far side asked (a 429's Retry-After)
    nextRetryDelay: retryable ? Math.max(userRetryDelayMs(component, attempt), userError ? (error.retryAfterMs ?? 0) : 0) : undefined,
  });
}
