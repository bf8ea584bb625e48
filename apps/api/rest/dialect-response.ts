import type { ServerResponse } from 'node:http';
import { toRestBody, toRestError } from '../../../http/dialect';
import { toErrorBody, type ErrorBody } from '../../../core/errors';

/**
 * Rewrites what trpc-to-openapi writes into the REST dialect: success bodies get `status:
 * "success"` and the clients' record fields; errors (`{message, code, issues, data}`) become
 * `{status: "error", error, message, details}` from the `data.blobhub` our errorFormatter put there.
 */
export function writeRestDialect(res: ServerResponse) {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    if (typeof chunk === 'string') {
      try {
        const parsed = JSON.parse(chunk) as { data?: { blobhub?: ErrorBody; httpStatus?: number } };
        if (res.statusCode >= 400) {
          // the status our errorFormatter chose (e.g. 503 for an outage tRPC saw as a 500)
          if (parsed.data?.httpStatus && !res.headersSent) res.statusCode = parsed.data.httpStatus;
          const error = parsed.data?.blobhub ?? toErrorBody(parsed);
          setRetryAfter(res, error);
          return end(JSON.stringify(toRestError(error)));
        }
        return end(JSON.stringify(toRestBody(parsed)));
      } catch {
        /* not JSON: pass through */
      }
    }
    return end(chunk);
  }) as typeof res.end;
}

/** An error that says when to try again (an execution limit's 429) says it in `Retry-After` too, as HTTP clients look for it there. */
function setRetryAfter(res: ServerResponse, error: ErrorBody) {
  const seconds = (error.details as { retry_after_seconds?: unknown } | undefined)?.retry_after_seconds;
  if (typeof seconds === 'number' && !res.headersSent) res.setHeader('retry-after', String(Math.ceil(seconds)));
}
