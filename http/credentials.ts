/** The credentials a request presents in its headers: `Authorization: Bearer …` or `X-API-Key`. */
import type { IncomingMessage } from 'node:http';
import type { PresentedCredentials } from '../core/auth';

type RequestHeaders = IncomingMessage['headers'] | Headers;

/** One header, trimmed, from node's header record or a Fetch Headers object (the REST adapter hands us a Request). */
export function headerOf(headers: RequestHeaders, name: string): string | undefined {
  const value = headers instanceof Headers ? headers.get(name) : headers[name];
  return typeof value === 'string' ? value.trim() : undefined;
}

export function credentialsFromHeaders(headers: RequestHeaders): PresentedCredentials {
  const read = (name: string) => headerOf(headers, name);
  const auth = read('authorization');
  const bearer = auth && /^bearer\s+/i.test(auth) ? auth.replace(/^bearer\s+/i, '').trim() : undefined;
  const malformed = auth && !bearer ? 'the Authorization header must be `Bearer <token or API key>`' : undefined;
  return { bearer, apiKey: read('x-api-key'), malformed };
}
