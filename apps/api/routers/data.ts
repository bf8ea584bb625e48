import { z } from 'zod';
import { engineForBlobType, findEngine } from '../../../core/engines';
import { ApiError, badRequest, codeOfIssues } from '../../../core/errors';
import { requireRevision } from '../../../core/resources';
import { assertDraft } from '../../../core/revisions';
import { idOf } from '../../../core/schemas';
import { publicProcedure, router, type Context } from '../trpc';

const commandBody = z.looseObject({
  revision_id: idOf('revision'),
  /** optional: the blob's type names its engine (BlobHub's clients never send one) */
  engine: z.string().min(1).max(64).optional(),
  command: z.string().min(1).max(128),
});
const commandResult = z.record(z.string(), z.unknown());

/** The engine a request names, or (none named) the one serving the revision's blob type. */
async function engineOf(ctx: Context, revisionId: string, engineName: string | undefined) {
  if (engineName) {
    const engine = findEngine(engineName);
    if (!engine) throw badRequest(`unknown engine ${engineName}`);
    return engine;
  }
  const { blob } = await requireRevision(ctx.app.db, ctx.caller, revisionId, 'read');
  const engine = engineForBlobType(blob.type);
  if (!engine) throw badRequest(`no engine serves ${blob.type} blobs`);
  return engine;
}

/** Dispatches `{engine?, command, …params}` to the engine registry (SPEC §3). */
async function dispatch(ctx: Context, body: z.infer<typeof commandBody>, mode: 'any' | 'command' | 'query') {
  const { revision_id, engine: engineName, command: commandName, ...params } = body;
  const engine = await engineOf(ctx, revision_id, engineName);
  // own properties only: `constructor` or `__proto__` name no command
  const command = Object.hasOwn(engine.commands, commandName) ? engine.commands[commandName] : undefined;
  if (!command) throw badRequest(`engine ${engine.name} has no command ${commandName}`);
  if (mode === 'query' && command.kind !== 'query') throw badRequest(`${commandName} changes data: send it to /data/command`);
  const { revision, blob, role } = await requireRevision(ctx.app.db, ctx.caller, revision_id, command.kind === 'query' ? 'read' : 'write');
  if (engineForBlobType(blob.type) !== engine) {
    throw badRequest(`engine ${engine.name} does not serve ${blob.type} blobs`);
  }
  const parsed = command.input.safeParse(params);
  if (!parsed.success) {
    throw new ApiError('bad_request', `invalid parameters for ${commandName}`, { details: parsed.error.issues, engineCode: codeOfIssues(parsed.error.issues) });
  }
  if (command.draftOnly) assertDraft(revision);
  return command.run({ app: ctx.app, caller: ctx.caller, role, blob, revision }, parsed.data);
}

const route = (path: `/${string}`, summary: string, mode: 'any' | 'command' | 'query') =>
  publicProcedure
    .meta({ openapi: { method: 'POST', path, tags: ['data'], summary } })
    .input(commandBody)
    .output(commandResult)
    .mutation(({ ctx, input }) => dispatch(ctx, input, mode));

export const dataRouter = router({
  run: route('/revisions/{revision_id}/data', 'Run an engine command on a revision', 'any'),
  command: route('/revisions/{revision_id}/data/command', 'Run an engine command that changes data', 'command'),
  query: route('/revisions/{revision_id}/data/query', 'Run an engine command that only reads', 'query'),
});
