/** Telling an activity's cancellation by its workflow apart from its worker stopping. */
import { Context } from '@temporalio/activity';

/**
 * Whether the running activity was cancelled because its workflow asked (or is gone), as opposed
 * to its worker shutting down (a deploy, a scale-in) or a timeout. Only the first stands for a
 * user's cancel; after the others Temporal retries the activity, on another worker.
 */
export function cancelledByWorkflow(): boolean {
  const details = Context.current().cancellationDetails;
  return details !== undefined && (details.cancelRequested || details.notFound);
}
