/**
 * Which surface answers a request: engine and realtime extensions first, then health, docs, tRPC,
 * REST, and the web app. Every answer is compressed when the client accepts it (gzip, brotli) and
 * its type is compressible, and carries the security headers of its surface; /v1 and /trpc
 * requests spend the caller's rate limits first.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import compression from 'compression';
import type { App } from '../../core/app';
import type { HttpExtension } from '../../core/http';
import { RETRY_AFTER_SECONDS } from '../../core/errors';
import { MAX_JSON_BODY } from '../../core/limits';
import { writeMetrics } from '../../http/metrics';
import { rateLimits, type RateLimitVerdict } from '../../http/rate-limit';
import { securityHeaders } from '../../http/security-headers';
import { docsHandler } from './docs';
import { openApiDocument } from './openapi';
import { readiness } from './readiness';
import { sendError, sendJson } from './responses';
import { restHandler } from './rest/handler';
import { appRouter } from './router';
import { contextOf } from './trpc';
import { webAppHandler } from './web';
import { logger, withLogContext } from '../../core/log';
import { inServerSpan } from '../../core/tracing';
import { observeRequest, requestIdOf, routeLabeller } from './request-observation';

export function requestHandler(app: App, extensions: HttpExtension[]) {
  const document = openApiDocument(`${app.publicUrl}/v1`);
  const rest = restHandler(app, document);
  // queries may come as POST (the SDK sends them so): engine queries carry definitions and tensors, too big for a URL
  const trpc = createHTTPHandler({
    router: appRouter,
    createContext: contextOf(app, 'trpc'),
    basePath: '/trpc/',
    maxBodySize: MAX_JSON_BODY,
    allowMethodOverride: true,
  });
  const docs = docsHandler();
  const web = webAppHandler();
  const compress = compression();
  const withSecurityHeaders = securityHeaders({ connectOrigins: webAppConnectOrigins(app) });
  const spendRateLimits = rateLimits(app);
  const routeOf = routeLabeller(document.paths ?? {});

  // every line logged while serving the request carries its id; the client sees the same id
  return (req: IncomingMessage, res: ServerResponse) => {
    const requestId = requestIdOf(req);
    res.setHeader('x-request-id', requestId);
    const route = routeOf((req.url ?? '/').split('?')[0]!);
    return withLogContext({ request_id: requestId }, () =>
      inServerSpan(
        `${req.method} ${route}`,
        req.headers,
        { 'http.request.method': req.method, 'http.route': route, 'blobhub.request_id': requestId },
        (endSpan) => {
          observeRequest(req, res, route, endSpan);
          // compression patches res before the handler writes; it calls on at once
          compress(req, res, () => void serve(req, res));
        },
      ),
    );
  };

  async function serve(req: IncomingMessage, res: ServerResponse) {
    retryAfterOn503(res);
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      withSecurityHeaders(req, res, surfaceOf(url));
      if (isJsonApi(url) && url.pathname !== '/v1/openapi.json') {
        const refused = await spendRateLimits(req);
        if (refused) return refuseRateLimited(res, refused);
      }
      for (const ext of extensions) if (ext.handle && (await ext.handle(req, res, url))) return;
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') return readiness(app, res);
      if (url.pathname === '/metrics') return writeMetrics(res);
      if (url.pathname === '/v1/openapi.json') return sendJson(res, 200, document);
      if (url.pathname === '/docs' || url.pathname.startsWith('/docs/')) return docs(url, res);
      if (isJsonApi(url) && declaresOversizeBody(req)) return refuseOversizeBody(res);
      if (url.pathname.startsWith('/trpc/')) return trpc(req, res);
      if (url.pathname === '/v1' || url.pathname.startsWith('/v1/')) return await rest(req, res, url);
      web(req, res, url, () => sendError(res, 404, { code: 'not_found', message: `no route for ${req.method} ${url.pathname}` }));
    } catch (error) {
      logger.error({ err: error }, 'api: unhandled error');
      if (!res.headersSent) sendError(res, 500, { code: 'internal', message: 'internal error' });
      else res.destroy();
    }
  }
}

const surfaceOf = (url: URL) => (url.pathname === '/docs' || url.pathname.startsWith('/docs/') ? 'docs' : isServerPath(url) ? 'api' : 'webApp');

/** Where the web app's fetches go besides its own origin: the public URL, and the object store's uploads and downloads. */
function webAppConnectOrigins(app: App): string[] {
  const urls = [app.publicUrl, app.config.BLOBHUB_S3_PUBLIC_ENDPOINT ?? app.config.BLOBHUB_S3_ENDPOINT];
  return [...new Set(urls.filter((u): u is string => !!u).map((u) => new URL(u).origin))];
}

function refuseRateLimited(res: ServerResponse, verdict: RateLimitVerdict) {
  res.setHeader('retry-after', String(verdict.retryAfterSeconds));
  const whose = verdict.scope === 'org' ? 'the organization’s API keys' : 'this credential';
  sendError(res, 429, {
    code: 'rate_limited',
    message: `too many requests: ${whose} may make ${verdict.limitPerMinute} a minute; retry in ${verdict.retryAfterSeconds} s`,
    details: { scope: verdict.scope, limit_per_minute: verdict.limitPerMinute, retry_after_seconds: verdict.retryAfterSeconds },
  });
}

/**
 * Every 503 (a dependency down, /readyz not ready) tells the client when to try again, whichever
 * surface wrote it: Node sends every status line through writeHead, implicit ones included.
 */
function retryAfterOn503(res: ServerResponse) {
  const writeHead = res.writeHead.bind(res) as (...args: unknown[]) => ServerResponse;
  res.writeHead = (status: number, ...rest: unknown[]) => {
    if (status === 503 && !res.hasHeader('retry-after')) res.setHeader('retry-after', String(RETRY_AFTER_SECONDS));
    return writeHead(status, ...rest);
  };
}

const isJsonApi = (url: URL) => url.pathname.startsWith('/trpc/') || url.pathname.startsWith('/v1/');

const isServerPath = (url: URL) => isJsonApi(url) || ['/healthz', '/readyz', '/metrics', '/v1', '/trpc'].includes(url.pathname);

const declaresOversizeBody = (req: IncomingMessage) => Number(req.headers['content-length'] ?? 0) > MAX_JSON_BODY;

/** Answered from the headers alone, before a byte of the body is read; the connection closes, so nothing is read after. */
function refuseOversizeBody(res: ServerResponse) {
  res.setHeader('connection', 'close');
  sendError(res, 413, { code: 'payload_too_large', message: `the JSON body is over ${MAX_JSON_BODY} bytes` });
}
