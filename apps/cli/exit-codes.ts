/** Exit codes scripts can rely on (docs/cli.md lists them). */
import { BlobHubError, ConnectionError } from '../../sdk';

export const EXIT = {
  ok: 0,
  /** anything unexpected, including a server that cannot be reached */
  failure: 1,
  /** bad arguments or options; nothing was sent */
  usage: 2,
  /** the API refused the request (bad_request, conflict, …) */
  api: 3,
  /** the API answered not_found, or a name resolved to nothing */
  notFound: 4,
  /** no usable credential: the server refused it, or the credentials file is unsafe or malformed */
  auth: 5,
  /** the work ran and ended unsuccessfully (an execution failed, a model was refused) */
  unsuccessful: 6,
} as const;

/** A mistake in how the command was called. */
export class UsageError extends Error {}

/** Work that ran to its end without succeeding (a failed execution, a refused model). */
export class UnsuccessfulError extends Error {}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  if (error instanceof UnsuccessfulError) return EXIT.unsuccessful;
  if (error instanceof ConnectionError) return EXIT.failure;
  if (error instanceof BlobHubError) {
    if (error.code === 'not_found' || error.code === 'profile_not_found') return EXIT.notFound;
    if (['unauthenticated', 'forbidden', 'insecure_credentials', 'invalid_credentials'].includes(error.code)) return EXIT.auth;
    return EXIT.api;
  }
  return EXIT.failure;
}
