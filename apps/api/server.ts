/** The API's HTTP server and its lifetime: listening, WebSocket upgrades, the engines' background services, and shutdown. */
import { createServer, type Server } from 'node:http';
import type { App } from '../../core/app';
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
  const handle = requestHandler(app, extensions);
  // the handler answers its own errors, so nothing is left to await
  const server = createServer((req, res) => void handle(req, res));
  server.on('upgrade', (req, socket, head) =>
    withLogContext({ request_id: requestIdOf(req) }, () => {
      for (const ext of extensions) if (ext.upgrade?.(req, socket, head)) return;
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    }),
  );
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
