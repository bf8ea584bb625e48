import type { IncomingMessage } from 'node:http';

/** The query parameters, each with all its values, in an object without a prototype. */
function queryOf(url: URL): Record<string, string[]> {
  const query = Object.create(null) as Record<string, string[]>;
  url.searchParams.forEach((value, key) => (query[key] ??= []).push(value));
  return query;
}

/** Rewrites a `/v1` request into what trpc-to-openapi's node adapter reads. */
export function toAdapterRequest(req: IncomingMessage, url: URL) {
  req.url = req.url!.replace(/^\/v1/, '') || '/';
  // The adapter only parses the exact media type; parameters such as charset are fine.
  const type = req.headers['content-type'];
  if (type && /^application\/json\s*;/i.test(type)) req.headers['content-type'] = 'application/json';
  // A POST without a body (commit, snapshot) needs no content type either.
  const bodiless = !req.headers['transfer-encoding'] && (req.headers['content-length'] ?? '0') === '0';
  if (!type && bodiless) req.headers['content-type'] = 'application/json';
  // The adapter gathers the query in a plain object, where names like __proto__ break it.
  (req as IncomingMessage & { query?: unknown }).query = queryOf(url);
}
