/**
 * What every API request leaves behind for operators: its request id (the client's X-Request-Id
 * or a new one, echoed in the response) on every log line logged while serving it, and
 * Prometheus series of requests and their latency by route and status. The route is the
 * OpenAPI path template (`/v1/blobs/{blob_id}`) or the tRPC procedure, never the raw URL, so
 * that the series stay few.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Histogram } from 'prom-client';
import { z } from 'zod';
import { logger } from '../../core/log';
import { metricsRegistry } from '../../core/metrics';
import { REALTIME_PATH } from './realtime';
import { appRouter } from './router';

/** A client's own request id is kept when it is a plain token (no spaces or control characters to forge log lines with). */
const clientRequestId = z.string().regex(/^[A-Za-z0-9._:@/+=-]{1,128}$/);

export function requestIdOf(req: IncomingMessage): string {
  const header = req.headers['x-request-id'];
  // most requests send none: a failed parse (zod builds its error) would cost more than the whole id
  const given = header === undefined ? undefined : clientRequestId.safeParse(header);
  return given?.success ? given.data : randomUUID();
}

const labelNames = ['method', 'route', 'status'] as const;

const requestsTotal = new Counter({
  name: 'blobhub_http_requests_total',
  help: 'HTTP requests answered by the API, by method, route (OpenAPI path template or tRPC procedure) and status',
  labelNames,
  registers: [metricsRegistry],
});

const requestDuration = new Histogram({
  name: 'blobhub_http_request_duration_seconds',
  help: 'Time from a request arriving to its response being sent, by method, route and status',
  labelNames,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

const fixedRoutes = new Set(['/healthz', '/readyz', '/metrics', '/v1/openapi.json', REALTIME_PATH]);

/** A function from a request's path to its low-cardinality route label. */
export function routeLabeller(openApiPaths: object): (pathname: string) => string {
  const templates = Object.keys(openApiPaths).map((template) => ({
    route: `/v1${template}`,
    pattern: new RegExp(`^/v1${template.replace(/\{[^}]+\}/g, '[^/]+')}/?$`),
  }));
  const procedures = new Set(Object.keys(appRouter._def.procedures));
  return (pathname) => {
    if (fixedRoutes.has(pathname)) return pathname;
    if (pathname.startsWith('/trpc/')) {
      const names = pathname.slice('/trpc/'.length).split(',');
      return names.every((name) => procedures.has(name)) ? `/trpc/${names.length > 1 ? '(batch)' : names[0]}` : '/trpc/(unknown)';
    }
    if (pathname === '/docs' || pathname.startsWith('/docs/')) return '/docs';
    if (pathname.startsWith('/v1/')) return templates.find((t) => t.pattern.test(pathname))?.route ?? '/v1/(unknown)';
    return '(web app)';
  };
}

/**
 * Counts and times the request once its response is sent (or the connection drops), tells
 * `onServed` (its trace span ends), and logs it at debug with the ids the request's context learnt
 * meanwhile (called inside that context).
 */
export function observeRequest(req: IncomingMessage, res: ServerResponse, route: string, onServed: (status: number) => void): void {
  const started = process.hrtime.bigint();
  res.once(
    'close',
    AsyncLocalStorage.bind(() => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const labels = { method: req.method ?? 'GET', route, status: String(res.statusCode) };
      onServed(res.statusCode);
      requestsTotal.inc(labels);
      requestDuration.observe(labels, seconds);
      logger.debug({ ...labels, duration_ms: Math.round(seconds * 1000) }, 'request served');
    }),
  );
}
