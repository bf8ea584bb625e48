/** `/docs`: Swagger UI from the swagger-ui-dist package, pointed at /v1/openapi.json. */
import type { ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { sendError } from './responses';

export function docsHandler() {
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
