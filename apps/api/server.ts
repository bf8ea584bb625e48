/** The API's HTTP server: routes each request to the surface that answers it, and runs the engines' background services. */
import { createServer, type Server } from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import type { App } from '../../core/app';
import { startEngines } from '../../core/engines';
import type { HttpExtension } from '../../core/http';
import { MAX_JSON_BODY } from '../../core/limits';
import { writeMetrics } from '../../core/metrics';
import { docsHandler } from './docs';
import { openApiDocument } from './openapi';
import { readiness } from './readiness';
import { sendError, sendJson } from './responses';
import { restHandler } from './rest/handler';
import { appRouter } from './router';
import { contextOf } from './trpc';
import { webAppHandler } from './web';

export interface ApiServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(app: App, opts: { port: number; host?: string; extensions?: HttpExtension[] }): Promise<ApiServer> {
  const extensions = opts.extensions ?? [];
  const document = openApiDocument(`${app.publicUrl}/v1`);
  const rest = restHandler(app, document);
  const trpc = createHTTPHandler({ router: appRouter, createContext: contextOf(app), basePath: '/trpc/', maxBodySize: MAX_JSON_BODY });
  const docs = docsHandler();
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
      if (url.pathname === '/v1' || url.pathname.startsWith('/v1/')) return await rest(req, res, url);
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
