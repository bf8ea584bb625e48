/** REST under `/v1`: the tRPC procedures through trpc-to-openapi, in BlobHub's REST dialect. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import type { App } from '../../../core/app';
import type { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { badRequest, toErrorBody } from '../../../core/errors';
import { MAX_JSON_BODY } from '../../../core/limits';
import { allowedMethodsOf } from '../allowed-methods';
import type { openApiDocument } from '../openapi';
import { sendError } from '../responses';
import { appRouter } from '../router';
import { contextOf } from '../trpc';
import { toAdapterRequest } from './adapter-request';
import { writeRestDialect } from './dialect-response';
import { readJsonBody } from './json-body';

export function restHandler(app: App, document: ReturnType<typeof openApiDocument>) {
  const createContext = contextOf(app, 'rest');
  // The REST adapter has parsed the body by now and spreads it into the input, where a JSON string
  // or array would pass for an empty object (a PATCH would succeed): only an object is a body.
  const restContext = async (opts: { req: IncomingMessage & { body?: unknown } }) => {
    const { body } = opts.req;
    if (body !== undefined && (body === null || typeof body !== 'object' || Array.isArray(body))) throw badRequest('the JSON body must be an object');
    return createContext(opts);
  };
  const rest = createOpenApiNodeHttpHandler({ router: appRouter, createContext: restContext, maxBodySize: MAX_JSON_BODY });
  const allowedMethods = allowedMethodsOf(document.paths as Parameters<typeof allowedMethodsOf>[0]);

  return async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const allowed = allowedMethods(url.pathname.slice(3));
    if (allowed && !allowed.includes(req.method ?? '')) {
      res.setHeader('allow', allowed.join(', '));
      return sendError(res, 405, { code: 'method_not_allowed', message: `${req.method} is not allowed on ${url.pathname}; allowed: ${allowed.join(', ')}` });
    }
    toAdapterRequest(req, url);
    try {
      await readJsonBody(req);
    } catch (e) {
      return sendError(res, getHTTPStatusCodeFromError(e as TRPCError), toErrorBody(e));
    }
    writeRestDialect(res);
    await rest(req, res);
  };
}
