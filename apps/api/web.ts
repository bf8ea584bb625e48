/**
 * Serves the built web app (apps/web/dist) at `/`: hashed assets cached for good, index.html
 * revalidated on every load, and client routes (no file extension) answered with index.html.
 */
import { existsSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

export const webDistDir = fileURLToPath(new URL('../web/dist', import.meta.url));

/** Never answered with the app, even where the server has no route of its own (e.g. `/trpc`). */
const serverPaths = /^\/(v1|trpc|docs|healthz|readyz)(\/|$)/;

export type WebHandler = (req: IncomingMessage, res: ServerResponse, url: URL, notFound: () => void) => void;

export function webAppHandler(distDir = webDistDir): WebHandler {
  const serve = existsSync(`${distDir}/index.html`) ? builtApp(distDir) : notBuilt;
  return (req, res, url, notFound) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || serverPaths.test(url.pathname)) return notFound();
    serve(req, res, notFound);
  };
}

function builtApp(distDir: string) {
  return sirv(distDir, {
    // looked up on disk per request, not listed once at start: a rebuild (`npm run build` deletes
    // and rewrites dist/) serves the new files, and a deleted one is a 404, not a read of a missing file
    dev: true,
    single: true,
    etag: true,
    // the .br / .gz copies `npm run build` wrote beside the assets (scripts/precompress-web.mjs)
    brotli: true,
    gzip: true,
    setHeaders: (res, pathname) => {
      const hashed = pathname.startsWith('/assets/');
      res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}

function notBuilt(_req: IncomingMessage, res: ServerResponse) {
  res.statusCode = 503;
  res.setHeader('content-type', 'text/plain; charset=utf-8');
  res.setHeader('cache-control', 'no-store');
  res.end('The BlobHub web app is not built: run `npm run build` (the API is at /v1, its docs at /docs).\n');
}
