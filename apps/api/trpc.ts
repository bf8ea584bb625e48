import type { IncomingMessage } from 'node:http';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Caller } from '../../core/access';
import type { App } from '../../core/app';
import { credentialsFromHeaders } from '../../http/credentials';
import { resolveCaller } from '../../core/auth';
import { httpStatusOf, toErrorBody, unauthenticated, type ErrorBody } from '../../core/errors';
import { assertAcceptableInput } from '../../core/storable-input';
import { logger } from '../../core/log';

export interface Context {
  app: App;
  caller: Caller;
}

/** Builds each request's context (the REST and the native tRPC adapter alike): who calls, from its credentials. */
export const contextOf =
  (app: App) =>
  async ({ req }: { req: IncomingMessage | Request }): Promise<Context> => ({
    app,
    caller: await resolveCaller(app, credentialsFromHeaders(req.headers)),
  });

/** `auth: 'required'` marks procedures anonymous callers cannot use; the OpenAPI document's per-route security says so. */
export type ProcedureMeta = OpenApiMeta & { auth?: 'required' };

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    // The SPEC error body rides along in `data.blobhub`; the REST layer sends it as `{error}`.
    errorFormatter: ({ shape, error }) => {
      const blobhub: ErrorBody = toErrorBody(error);
      if (blobhub.code === 'internal') logger.error({ err: error.cause ?? error }, 'api: internal error');
      // an outage under any error (the database gone mid-query) is a 503, where tRPC would say 500
      const outage = blobhub.code === 'unavailable';
      const data = { code: outage ? 'SERVICE_UNAVAILABLE' : shape.data.code, httpStatus: httpStatusOf(error), blobhub };
      return { ...shape, message: blobhub.message, data };
    },
  });

export const router = t.router;

/** Any caller, anonymous included (public reads). Text PostgreSQL cannot store, and absurd nesting, are refused first. */
export const publicProcedure = t.procedure.use(async ({ getRawInput, next }) => {
  assertAcceptableInput(await getRawInput());
  return next();
});

/** A signed-in user or an API key. */
export const authedProcedure = publicProcedure.meta({ auth: 'required' }).use(({ ctx, next }) => {
  if (ctx.caller.kind === 'anonymous') throw unauthenticated();
  return next({ ctx: { ...ctx, caller: ctx.caller } });
});
