import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPCError } from '@trpc/server';

/** The error codes of docs/spec.md §2, with the tRPC code that carries each one's HTTP status. */
const specCodes = {
  bad_request: 'BAD_REQUEST',
  unauthenticated: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  unsupported_media_type: 'UNSUPPORTED_MEDIA_TYPE',
  rate_limited: 'TOO_MANY_REQUESTS',
  internal: 'INTERNAL_SERVER_ERROR',
  unavailable: 'SERVICE_UNAVAILABLE',
} as const;

export type SpecCode = keyof typeof specCodes;

const specCodeOfTrpc: Partial<Record<TRPCError['code'], SpecCode>> = {
  ...Object.fromEntries(Object.entries(specCodes).map(([spec, trpc]) => [trpc, spec as SpecCode])),
  PARSE_ERROR: 'bad_request',
  METHOD_NOT_SUPPORTED: 'bad_request',
  UNPROCESSABLE_CONTENT: 'bad_request',
  TIMEOUT: 'unavailable',
};

/**
 * An error with a SPEC code. Engines may use their own lower-snake codes (e.g.
 * `invalid_thread_envelope`) over one of the HTTP classes.
 */
export class ApiError extends TRPCError {
  readonly specCode: string;
  readonly details?: unknown;
  constructor(code: SpecCode, message: string, opts: { details?: unknown; engineCode?: string; cause?: unknown } = {}) {
    super({ code: specCodes[code], message, cause: opts.cause });
    this.specCode = opts.engineCode ?? code;
    this.details = opts.details;
  }
}

export const badRequest = (message: string, details?: unknown) => new ApiError('bad_request', message, { details });
export const notFound = (what: string) => new ApiError('not_found', `${what} not found`);
export const forbidden = (message = 'you do not have access to this resource') => new ApiError('forbidden', message);
export const conflict = (message: string, details?: unknown) => new ApiError('conflict', message, { details });
export const invalidCursor = (why = 'the cursor is malformed or belongs to another listing') =>
  new ApiError('bad_request', `invalid cursor: ${why}; pass back a cursor exactly as a page returned it`, { engineCode: 'invalid_cursor' });
export const unauthenticated = (message = 'sign in to do this') => new ApiError('unauthenticated', message);

export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

interface ZodLikeIssue {
  path: PropertyKey[];
  message: string;
  code?: string;
}

/** How long a client waits before retrying a 503 (sent as `Retry-After`): about a database restart. */
export const RETRY_AFTER_SECONDS = 5;

/**
 * Errors that mean a service the platform depends on cannot be reached, not that the request is
 * wrong: postgres.js connection codes, socket errors, and PostgreSQL's connection-exception class
 * (08…) and shutdown codes (57P01–57P03, e.g. "the database system is starting up").
 */
const outageCodes = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  '57P01',
  '57P02',
  '57P03',
]);

/** True when the error, or any error it wraps (drizzle wraps the driver's), is a dependency outage. */
export function isOutage(error: unknown): boolean {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (outageCodes.has(code) || /^08[0-9A-Z]{3}$/.test(code))) return true;
  }
  return false;
}

const outageBody: ErrorBody = {
  code: 'unavailable',
  message: `a service BlobHub depends on (its database, blob store or Temporal) is unavailable; retry in ${RETRY_AFTER_SECONDS} s`,
};

/** The HTTP status of a thrown value, for answers written outside the tRPC adapters. */
export function httpStatusOf(error: unknown): number {
  if (error instanceof ApiError) return getHTTPStatusCodeFromError(error);
  if (isOutage(error)) return 503;
  return error instanceof TRPCError ? getHTTPStatusCodeFromError(error) : 500;
}

/** Turns any thrown value into the SPEC error body; a 500 never carries internals. */
export function toErrorBody(error: unknown): ErrorBody {
  if (error instanceof ApiError) return { code: error.specCode, message: error.message, details: error.details };
  if (isOutage(error)) return outageBody;
  if (error instanceof TRPCError) {
    const cause = error.cause as { name?: string; issues?: ZodLikeIssue[] } | undefined;
    if (error.code === 'BAD_REQUEST' && cause?.issues) {
      return { code: codeOfIssues(cause.issues), message: describeIssues(cause.issues), details: cause.issues };
    }
    if (cause instanceof ApiError) return toErrorBody(cause);
    const code = specCodeOfTrpc[error.code] ?? 'internal';
    if (code === 'internal') return { code, message: 'internal error' };
    return { code, message: error.message };
  }
  return { code: 'internal', message: 'internal error' };
}

/** A list's cursor is opaque to callers: input wrong only in its cursor is `invalid_cursor`. */
export const codeOfIssues = (issues: ZodLikeIssue[]) => (issues.length && issues.every((i) => i.path[0] === 'cursor') ? 'invalid_cursor' : 'bad_request');

function describeIssues(issues: ZodLikeIssue[]): string {
  const first = issues.slice(0, 3).map((i) => `${i.path.map(String).join('.') || '(body)'}: ${i.message}`);
  return `invalid input: ${first.join('; ')}${issues.length > 3 ? ` (+${issues.length - 3} more)` : ''}`;
}

/** The first of `rows`, for a query that must find one; `missing` makes the error its absence means. */
export function firstOr<T>(rows: readonly T[], missing: () => Error): T {
  const [first] = rows;
  if (first === undefined) throw missing();
  return first;
}

/** The row a query always yields (an insert's `returning()`, an aggregate, a row this transaction holds). */
export const theRow = <T>(rows: readonly T[]): T => firstOr(rows, () => new Error('the query returned no row'));
