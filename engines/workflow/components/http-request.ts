/**
 * http.request: one HTTP call, optionally authenticated with a stored credential. The credential
 * is opened here, inside the activity, and every string of it is redacted from what the
 * component returns (outputs, errors), so it never reaches events, the execution row or Temporal
 * history, even when the server echoes the request. Where it may connect is http-guard's call.
 */
import { fetch, type Response } from 'undici';
import { z } from 'zod';
import { secretStringsOf } from '../../../core/credentials';
import type { ComponentRequest } from '../plan';
import { primitiveOf } from '../values';
import { openCredential, redactingSecrets } from './credential-use';
import { BlockedDestinationError, guardedDispatcher } from './http-guard';
import { ComponentError, type ComponentRunContext, type ComponentRunResult, type ComponentType } from './registry';

export const httpRequestConfig = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    url: z.url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    /** alias of a credential on the blob, its org or the execution's creator; sent only to its allowed_hosts */
    credential: z.string().min(1).max(128).optional(),
  })
  .strict();
type HttpRequestConfig = z.infer<typeof httpRequestConfig>;

const DEFAULT_TIMEOUT_MS = 30_000;
const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

/** Auth headers from a credential body: {token} (bearer), {username, password} (basic), {headers}. */
function authHeaders(body: Record<string, unknown>): Record<string, string> {
  if (typeof body.token === 'string') return { authorization: `Bearer ${body.token}` };
  if (typeof body.username === 'string') {
    return { authorization: `Basic ${Buffer.from(`${body.username}:${String(body.password ?? '')}`).toString('base64')}` };
  }
  if (typeof body.headers === 'object' && body.headers !== null) return body.headers as Record<string, string>;
  throw new ComponentError('the credential body has no token, username or headers', 'credential_invalid');
}

export const httpRequest: ComponentType<HttpRequestConfig> = {
  type: 'http.request',
  description: 'One HTTP call (method, url, headers, body), optionally authenticated with a stored credential; the response is its output.',
  category: 'http',
  config: httpRequestConfig,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  // data inputs override the config: `url` (text), `body` (any value), `headers` (json)
  inputs: () => ['url', 'body', 'headers'],
  outputs: () => ['response', 'status', 'body'],
  run: (ctx) => redactingSecrets((secrets) => call(ctx, secrets)),
};

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new ComponentError(`not a valid URL: ${url}`, 'invalid_request');
  }
}

/**
 * The same for every attempt of one visit of the component in one execution (a retry after a lost
 * worker or a failure), and another for each visit, so that the far side can drop a repeat.
 */
const idempotencyKeyOf = ({ execution, visit }: ComponentRequest) => `${execution.executionId}:${visit}`;

const hasHeader = (headers: Record<string, string>, name: string) => Object.keys(headers).some((h) => h.toLowerCase() === name);

/** The call itself; fills `secrets` with what must not leave the activity. */
async function call(ctx: ComponentRunContext<HttpRequestConfig>, secrets: string[]): Promise<ComponentRunResult> {
  const { app, request, config, inputs, signal } = ctx;
  const url = inputs.url ? String(primitiveOf(inputs.url)) : config.url;
  if (!url) throw new ComponentError('no url: set config.url or connect a url input', 'invalid_request');
  const headers: Record<string, string> = { ...config.headers, ...(inputs.headers ? (primitiveOf(inputs.headers) as Record<string, string>) : {}) };
  if (config.credential) {
    const credential = await openCredential(ctx, config.credential, parseUrl(url));
    const auth = authHeaders(credential);
    secrets.push(...secretStringsOf(credential, auth));
    Object.assign(headers, auth);
  }
  // the user's own key, if any, is sent as it is
  if (!hasHeader(headers, 'idempotency-key')) headers['idempotency-key'] = idempotencyKeyOf(request);
  const payload = inputs.body ? primitiveOf(inputs.body) : config.body;
  let body: string | undefined;
  if (payload !== undefined && config.method !== 'GET' && config.method !== 'HEAD') {
    body = typeof payload === 'string' ? payload : JSON.stringify(payload);
    if (typeof payload !== 'string') headers['content-type'] ??= 'application/json';
  }
  const dispatcher = guardedDispatcher(app);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: config.method,
      headers,
      body,
      dispatcher,
      // a cancelled execution aborts the request at once: the far side sees the connection close
      signal: AbortSignal.any([signal, AbortSignal.timeout(request.component.timeoutMs ?? DEFAULT_TIMEOUT_MS)]),
      // a redirect could carry the credential to a host that is not allowed
      redirect: config.credential ? 'error' : 'follow',
    });
    text = await res.text();
  } catch (e) {
    const cause = (e as Error).cause;
    if (cause instanceof BlockedDestinationError) throw new ComponentError(cause.message, 'blocked_destination');
    throw new ComponentError(`request to ${new URL(url).host} failed: ${(e as Error).message}`, 'network');
  }
  if (text.length > MAX_RESPONSE_BYTES) throw new ComponentError('response body is larger than 5 MiB', 'response_too_large');
  let parsed: unknown = text;
  if (res.headers.get('content-type')?.includes('json')) {
    try {
      parsed = JSON.parse(text);
    } catch {
      /* keep the text */
    }
  }
  if (!res.ok) throw new ComponentError(`HTTP ${res.status} from ${new URL(url).host}`, 'http_status');
  return {
    route: 'success',
    outputs: {
      response: { value: { type: 'json', json: { status: res.status, headers: Object.fromEntries(res.headers), body: parsed } } },
      status: { value: { type: 'integer', integer: res.status } },
      body: { value: typeof parsed === 'string' ? { type: 'text', text: parsed } : { type: 'json', json: parsed } },
    },
  };
}
