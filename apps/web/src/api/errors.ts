/** Any failure of an API call as a message a person can act on. */
import { TRPCClientError } from '@trpc/client';
import { InputError } from '../ui/json';

export interface ReadableError {
  title: string;
  message: string;
  /** one line per problem (zod issues, engine problems), shown when there are several */
  issues: string[];
}

const titles: Record<string, string> & { BAD_REQUEST: string } = {
  BAD_REQUEST: 'Please check your input',
  UNAUTHORIZED: 'Authentication failed',
  FORBIDDEN: 'Not allowed',
  NOT_FOUND: 'Not found',
  CONFLICT: 'That cannot be done right now',
  PAYLOAD_TOO_LARGE: 'Too large',
  TOO_MANY_REQUESTS: 'Too many requests, try again shortly',
  SERVICE_UNAVAILABLE: 'The server is not ready',
  INTERNAL_SERVER_ERROR: 'Something went wrong on the server',
};

interface ErrorData {
  code?: string;
  blobhub?: { details?: unknown };
}

/** A zod issue (with a path) or an engine's problem (e.g. pinned to a component). */
interface Issue {
  path?: PropertyKey[];
  component_id?: string;
  message?: string;
}

function issueLine(issue: Issue) {
  const where = issue.path?.length ? issue.path.map(String).join('.') : issue.component_id && `component ${issue.component_id}`;
  return where ? `${where}: ${issue.message ?? 'invalid'}` : (issue.message ?? 'invalid');
}

export function readableError(error: unknown): ReadableError {
  if (error instanceof TRPCClientError) {
    const data = (error.data ?? {}) as ErrorData;
    if (!data.code) return { title: 'Cannot reach the server', message: error.message, issues: [] };
    const details = data.blobhub?.details;
    const issues = Array.isArray(details) ? (details as Issue[]).map(issueLine) : [];
    return { title: titles[data.code] ?? 'Request failed', message: error.message, issues };
  }
  if (error instanceof InputError) return { title: titles.BAD_REQUEST, message: error.message, issues: [] };
  return { title: 'Something went wrong', message: error instanceof Error ? error.message : String(error), issues: [] };
}

/** The tRPC error code (e.g. UNAUTHORIZED), if the error came from the API. */
export const errorCodeOf = (error: unknown) => (error instanceof TRPCClientError ? (error.data as ErrorData | undefined)?.code : undefined);
