/** The API's HTTP server and its lifetime: listening, WebSocket upgrades, the engines' background services, and shutdown. */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { App } from '../../core/app';
import { startAuditSweep } from '../../core/audit';
import { startEngines } from '../../core/engines';
import type { HttpExtension } from '../../core/http';
import { requestHandler } from './routes';
import { withLogContext } from '../../core/log';
import { requestIdOf } from './request-observation';

export interface ApiServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startApiServer(app: App, opts: { port: number; host?: string; extensions?: HttpExtension[] }): Promise<ApiServer> {
  const extensions = opts.extensions ?? [];
  const graceMs = app.config.BLOBHUB_SHUTDOWN_GRACE_SECONDS * 1000;
  const handle = requestHandler(app, extensions);
  // the handler answers its own errors, so nothing is left to await
  const server = createServer((req, res) => void handle(req, res));
  // the responses still being written, so that a shutdown can close their connections after them
  const inFlight = new Set<ServerResponse>();
  server.on('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    res.once('close', () => inFlight.delete(res));
  });
  server.on('upgrade', (req, socket, head) =>
    withLogContext({ request_id: requestIdOf(req) }, () => {
      for (const ext of extensions) if (ext.upgrade?.(req, socket, head)) return;
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    }),
  );
  await new Promise<void>((resolve) => server.listen(opts.port, opts.host ?? '0.0.0.0', resolve));
  const stopEngines = await startEngines(app);
  const stopAuditSweep = startAuditSweep(app);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    /**
     * Graceful: stops accepting connections, closes idle keep-alive ones, sends WebSocket clients
     * a close frame (1001), lets in-flight requests finish for up to BLOBHUB_SHUTDOWN_GRACE_SECONDS
     * (each connection closes once its response is sent), then cuts what is left.
     */
    async close() {
      const drained = new Promise<void>((resolve) => server.close(() => resolve()));
      server.on('request', (_req, res) => res.setHeader('connection', 'close'));
      for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
      server.closeIdleConnections();
      await stopAuditSweep();
      await stopEngines();
      for (const ext of extensions) await ext.close?.();
      const cutOff = setTimeout(() => server.closeAllConnections(), graceMs);
      await drained;
      clearTimeout(cutOff);
    },
  };
}
