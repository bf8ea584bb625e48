/** http.request: one HTTP call, optionally authenticated with a stored credential. */
import { z } from 'zod';
import { resolveCredential } from '../../../core/credentials';
import { primitiveOf } from '../values';
import { ComponentError, type ComponentType } from './registry';

export const httpRequestConfig = z
  .object({
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']).default('GET'),
    url: z.url().optional(),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    /** alias of a credential on the blob, its org or the execution's creator */
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
  category: 'http',
  config: httpRequestConfig,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  // data inputs override the config: `url` (text), `body` (any value), `headers` (json)
  inputs: () => ['url', 'body', 'headers'],
  outputs: () => ['response', 'status', 'body'],
  async run({ app, request, config, inputs }) {
    const url = inputs.url ? String(primitiveOf(inputs.url)) : config.url;
    if (!url) throw new ComponentError('no url: set config.url or connect a url input', 'invalid_request');
    const headers: Record<string, string> = { ...config.headers, ...(inputs.headers ? (primitiveOf(inputs.headers) as Record<string, string>) : {}) };
    if (config.credential) {
      const { execution } = request;
      const credential = await resolveCredential(app, { userId: execution.createdBy, orgId: execution.orgId, blobId: execution.blobId, alias: config.credential });
      if (!credential) throw new ComponentError(`no credential with alias ${config.credential}`, 'credential_not_found');
      Object.assign(headers, authHeaders(credential.body));
    }
    const payload = inputs.body ? primitiveOf(inputs.body) : config.body;
    let body: string | undefined;
    if (payload !== undefined && config.method !== 'GET' && config.method !== 'HEAD') {
      body = typeof payload === 'string' ? payload : JSON.stringify(payload);
      if (typeof payload !== 'string') headers['content-type'] ??= 'application/json';
    }
    let res: Response;
    try {
      res = await fetch(url, { method: config.method, headers, body, signal: AbortSignal.timeout(request.component.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
    } catch (e) {
      throw new ComponentError(`request to ${new URL(url).host} failed: ${(e as Error).message}`, 'network');
    }
    const text = await res.text();
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
  },
};
