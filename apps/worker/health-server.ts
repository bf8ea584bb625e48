/**
 * A standalone worker's own HTTP surface (BLOBHUB_WORKER_HTTP_PORT): `/metrics` (Prometheus),
 * `/healthz` (the process answers: a liveness probe) and `/readyz`, 503 while its sandbox pool is
 * saturated, so that an orchestrator or a load test sees the worker that runs the code, not only the API.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import { capacityStatus } from '../../core/metrics';
import { writeMetrics } from '../../http/metrics';

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

export async function startWorkerHealthServer(port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/metrics') return void writeMetrics(res);
    if (path === '/healthz') return void json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      const { saturated, capacity } = capacityStatus();
      return void json(res, saturated ? 503 : 200, { status: saturated ? 'saturated' : 'ready', ...capacity });
    }
    json(res, 404, { error: { code: 'not_found', message: `no route for ${path}` } });
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  return server;
}
