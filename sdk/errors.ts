/** One error type for everything the server refuses, carrying its SPEC code (not_found, conflict, …). */
import { TRPCClientError } from '@trpc/client';

export class BlobHubError extends Error {
  constructor(
    /** the SPEC error code, e.g. `not_found`, `conflict`, `bad_request`, or an engine code */
    readonly code: string,
    message: string,
    readonly details?: unknown,
    /** the HTTP status, when the error came from an HTTP answer */
    readonly status?: number,
  ) {
    super(message);
    this.name = 'BlobHubError';
  }
}

/** The server could not be reached or answered something that is not BlobHub. */
export class ConnectionError extends Error {
  constructor(
    readonly url: string,
    cause: unknown,
  ) {
    super(`cannot reach ${url}: ${cause instanceof Error ? (cause.cause instanceof Error ? cause.cause.message : cause.message) : String(cause)}`, { cause });
    this.name = 'ConnectionError';
  }
}

interface TrpcErrorData {
  httpStatus?: number;
  blobhub?: { code: string; message: string; details?: unknown };
}

/** Maps a tRPC client failure to a BlobHubError (an answer) or a ConnectionError (no answer). */
export function fromTrpcError(error: unknown, url: string): Error {
  if (!(error instanceof TRPCClientError)) return error instanceof Error ? error : new Error(String(error));
  const data = error.data as TrpcErrorData | undefined;
  if (data?.blobhub) return new BlobHubError(data.blobhub.code, data.blobhub.message, data.blobhub.details, data.httpStatus);
  if (data?.httpStatus) return new BlobHubError('internal', error.message, undefined, data.httpStatus);
  return new ConnectionError(url, error.cause ?? error);
}
