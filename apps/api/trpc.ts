import type { IncomingMessage } from 'node:http';
import { initTRPC } from '@trpc/server';
import type { OpenApiMeta } from 'trpc-to-openapi';
import type { Caller } from '../../core/access';
import type { App } from '../../core/app';
import { actorOf, type Actor, type AuditChannel } from '../../core/actor';
import { credentialsFromHeaders, headerOf } from '../../http/credentials';
import { resolveCaller } from '../../core/auth';
import { httpStatusOf, toErrorBody, unauthenticated, type ErrorBody } from '../../core/errors';
import { assertAcceptableInput } from '../../core/storable-input';
import { logger } from '../../core/log';

export interface Context {
  app: App;
  caller: Caller;
  /** who the caller is and where the request came from, as the audit log and change events record it */
  actor: Actor;
  /** the request's `Idempotency-Key` header, for the create commands that take one */
  idempotencyKey?: string;
}

/** The client's address (the peer of the connection) and user agent. */
function originOf(req: IncomingMessage | Request, via: AuditChannel) {
  if (req instanceof Request) return { via, userAgent: req.headers.get('user-agent') };
  return { via, clientIp: req.socket.remoteAddress, userAgent: req.headers['user-agent'] };
}

/** Builds each request's context (`via`: the REST or the native tRPC adapter): who calls, from its credentials. */
export const contextOf =
  (app: App, via: AuditChannel) =>
  async ({ req }: { req: IncomingMessage | Request }): Promise<Context> => {
    const caller = await resolveCaller(app, credentialsFromHeaders(req.headers));
    return { app, caller, actor: actorOf(caller, originOf(req, via)), idempotencyKey: headerOf(req.headers, 'idempotency-key') };
  };

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
