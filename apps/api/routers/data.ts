import { z } from 'zod';
import { badRequest } from '../../../core/errors';
import type { Engine } from '../../../core/engines';
import { idOf } from '../../../core/schemas';
import { publicProcedure, router } from '../trpc';
import { runCommand } from './engines';

const commandBody = z.looseObject({
  revision_id: idOf('revision'),
  /** optional: the blob's type names its engine (BlobHub's clients never send one) */
  engine: z.string().min(1).max(64).optional(),
  command: z.string().min(1).max(128),
});
const commandResult = z.record(z.string(), z.unknown());
type Mode = 'any' | 'command' | 'query';

/** The engine's command of that name, if this route may run it. */
function commandNamed(engine: Engine, name: string, mode: Mode) {
  // own properties only: `constructor` or `__proto__` name no command
  const command = Object.hasOwn(engine.commands, name) ? engine.commands[name] : undefined;
  if (!command) throw badRequest(`engine ${engine.name} has no command ${name}`);
  if (mode === 'query' && command.kind !== 'query') throw badRequest(`${name} changes data: send it to /data/command`);
  return command;
}

/** The REST adapter of the engines' commands (docs/spec.md §3): `{engine?, command, …params}` runs as its typed procedure does. */
const route = (path: `/${string}`, summary: string, mode: Mode) =>
  publicProcedure
    .meta({ openapi: { method: 'POST', path, tags: ['data'], summary } })
    .input(commandBody)
    .output(commandResult)
    .mutation(({ ctx, input: { revision_id, engine, command, ...params } }) =>
      runCommand(ctx, { revisionId: revision_id, engine, name: command, commandOf: (e) => commandNamed(e, command, mode), params }),
    );

export const dataRouter = router({
  run: route('/revisions/{revision_id}/data', 'Run an engine command on a revision', 'any'),
  command: route('/revisions/{revision_id}/data/command', 'Run an engine command that changes data', 'command'),
  query: route('/revisions/{revision_id}/data/query', 'Run an engine command that only reads', 'query'),
});
