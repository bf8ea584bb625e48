import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import type { App } from '../../core/app';
import { startEngines } from '../../core/engines';
import { toRestBody, toRestError } from '../../core/dialect';
import { MAX_JSON_BODY } from '../../core/limits';
import { badRequest, toErrorBody, type ErrorBody } from '../../core/errors';
import type { HttpExtension } from '../../core/http';
import { capacityStatus, writeMetrics } from '../../core/metrics';
import { credentialsFromHeaders, resolveCaller } from '../../core/auth';
import { allowedMethodsOf } from './allowed-methods';
import { openApiDocument } from './openapi';
import { appRouter } from './router';
import type { Context } from './trpc';
import { webAppHandler } from './web';

/** The query parameters, each with all its values, in an object without a prototype. */
function queryOf(url: URL): Record<string, string[]> {
  const query: Record<string, string[]> = Object.create(null);
  url.searchParams.forEach((value, key) => (query[key] ??= []).push(value));
  return query;
}

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, error: ErrorBody) {
  sendJson(res, status, toRestError(error));
}

/**
 * Rewrites what trpc-to-openapi writes into the REST dialect: success bodies get `status:
 * "success"` and the clients' record fields; errors (`{message, code, issues, data}`) become
 * `{status: "error", error, message, details}` from the `data.blobhub` our errorFormatter put there.
 */
function restBodies(res: ServerResponse) {
  const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
  res.end = ((chunk?: unknown) => {
    if (typeof chunk === 'string') {
      try {
        const parsed = JSON.parse(chunk) as { data?: { blobhub?: ErrorBody } };
        if (res.statusCode >= 400) return end(JSON.stringify(toRestError(parsed.data?.blobhub ?? toErrorBody(parsed))));
        return end(JSON.stringify(toRestBody(parsed)));
      } catch {
        /* not JSON: pass through */
      }
    }
    return end(chunk);
  }) as typeof res.end;
}

export interface ApiServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(app: App, opts: { port: number; host?: string; extensions?: HttpExtension[] }): Promise<ApiServer> {
  const extensions = opts.extensions ?? [];
  const createContext = async ({ req }: { req: IncomingMessage | Request }): Promise<Context> => ({
    app,
    caller: await resolveCaller(app, credentialsFromHeaders(req.headers)),
  });
  // The node handler reads the body itself (co-body): malformed JSON is a 400 and an oversize
  // body a 413, where the fetch-Request adapter would surface a JSON SyntaxError as a 500.
  // The REST adapter has parsed the body by now and spreads it into the input, where a JSON string
  // or array would pass for an empty object (a PATCH would succeed): only an object is a body.
  const restContext = async (opts: { req: IncomingMessage & { body?: unknown } }) => {
    const { body } = opts.req;
    if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) throw badRequest('the JSON body must be an object');
    return createContext(opts);
  };
  const rest = createOpenApiNodeHttpHandler({ router: appRouter, createContext: restContext, maxBodySize: MAX_JSON_BODY });
  const trpc = createHTTPHandler({ router: appRouter, createContext, basePath: '/trpc/', maxBodySize: MAX_JSON_BODY });
  const docs = await docsHandler();
  const document = openApiDocument(`${app.publicUrl}/v1`);
  const allowedMethods = allowedMethodsOf(document.paths as Parameters<typeof allowedMethodsOf>[0]);
  const web = webAppHandler();

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      for (const ext of extensions) if (ext.handle && (await ext.handle(req, res, url))) return;
      if (url.pathname === '/healthz') return sendJson(res, 200, { status: 'ok' });
      if (url.pathname === '/readyz') return readiness(app, res);
      if (url.pathname === '/metrics') return writeMetrics(res);
      if (url.pathname === '/v1/openapi.json') return sendJson(res, 200, document);
      if (url.pathname === '/docs' || url.pathname.startsWith('/docs/')) return docs(url, res);
      if (url.pathname.startsWith('/trpc/')) return trpc(req, res);
      if (url.pathname === '/v1' || url.pathname.startsWith('/v1/')) {
        req.url = req.url!.replace(/^\/v1/, '') || '/';
        const allowed = allowedMethods(url.pathname.slice(3));
        if (allowed && !allowed.includes(req.method ?? '')) {
          res.setHeader('allow', allowed.join(', '));
          return sendError(res, 405, { code: 'method_not_allowed', message: `${req.method} is not allowed on ${url.pathname}; allowed: ${allowed.join(', ')}` });
        }
        // The adapter only parses the exact media type; parameters such as charset are fine.
        const type = req.headers['content-type'];
        if (type && /^application\/json\s*;/i.test(type)) req.headers['content-type'] = 'application/json';
        // A POST without a body (commit, snapshot) needs no content type either.
        const bodiless = !req.headers['transfer-encoding'] && (req.headers['content-length'] ?? '0') === '0';
        if (!type && bodiless) req.headers['content-type'] = 'application/json';
        // The adapter gathers the query in a plain object, where names like __proto__ break it.
        (req as IncomingMessage & { query?: unknown }).query = queryOf(url);
        restBodies(res);
        return await rest(req, res);
      }
      web(req, res, url, () => sendError(res, 404, { code: 'not_found', message: `no route for ${req.method} ${url.pathname}` }));
    } catch (error) {
      console.error('[api] unhandled', error);
      if (!res.headersSent) sendError(res, 500, { code: 'internal', message: 'internal error' });
      else res.destroy();
    }
  });
  server.on('upgrade', (req, socket, head) => {
    for (const ext of extensions) if (ext.upgrade?.(req, socket, head)) return;
    socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? '0.0.0.0', resolve));
  const stopEngines = await startEngines(app);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    async close() {
      await stopEngines();
      for (const ext of extensions) await ext.close?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Ready = the database and Temporal answer and no capacity of this process (the sandbox pool of
 * an in-process worker) is saturated, i.e. new work would not wait for a thread.
 */
async function readiness(app: App, res: ServerResponse) {
  const checks = await Promise.allSettled([app.database.ping(), app.temporal.connection.healthService.check({})]);
  const [database, temporal] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : String((c.reason as Error)?.message ?? c.reason)));
  const { saturated, capacity } = capacityStatus();
  const ready = database === 'ok' && temporal === 'ok' && !saturated;
  if (ready) return sendJson(res, 200, { status: 'ready', database, temporal, ...capacity });
  sendError(res, 503, { code: 'unavailable', message: saturated ? 'saturated' : 'not ready', details: { database, temporal, ...capacity } });
}

/** Swagger UI from the swagger-ui-dist package, pointed at /v1/openapi.json. */
async function docsHandler() {
  const require = createRequire(import.meta.url);
  const distDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  const page = `<!doctype html><html><head><meta charset="utf-8"><title>BlobHub API</title>
<link rel="stylesheet" href="/docs/swagger-ui.css"></head><body><div id="ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#ui' });</script></body></html>`;
  const types: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
  return async (url: URL, res: ServerResponse) => {
    const file = url.pathname.replace(/^\/docs\/?/, '');
    if (!file) {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      return void res.end(page);
    }
    if (!/^[\w.-]+$/.test(file)) return sendError(res, 404, { code: 'not_found', message: 'no such file' });
    try {
      const body = await readFile(path.join(distDir, file));
      res.setHeader('content-type', types[path.extname(file)] ?? 'application/octet-stream');
      res.end(body);
    } catch {
      sendError(res, 404, { code: 'not_found', message: 'no such file' });
    }
  };
}
