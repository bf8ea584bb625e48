/**
 * The engines' data commands as tRPC procedures: one router per engine, its procedures derived
 * from the engine's command definitions with their own input and result types, and the one way
 * a command runs, which `/v1/revisions/:id/data` (data.ts) shares.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';
import type { Action } from '../../../core/access';
import { requireEngineRevision, type CommandResult, type Engine, type EngineCommand, type EngineCommands } from '../../../core/engines';
import { ApiError, codeOfIssues } from '../../../core/errors';
import { assertDraft } from '../../../core/revisions';
import { idOf } from '../../../core/schemas';
import { publicProcedure, router, type Context } from '../trpc';

interface CommandCall<S extends z.ZodType, R extends CommandResult> {
  revisionId: string;
  /** the engine the call names; none: the one serving the revision's blob type */
  engine?: string;
  /** the command's name, as the caller gave it */
  name: string;
  /** the engine's command of that name, or a refusal (an unknown command, a command sent as a query) */
  commandOf(engine: Engine): EngineCommand<S, R>;
  /** its parameters as sent, checked against the command's schema here */
  params: unknown;
}

/** Runs one command: access and engine checks, its parameters, drafts only where it changes content. */
export async function runCommand<S extends z.ZodType, R extends CommandResult>(ctx: Context, call: CommandCall<S, R>): Promise<R> {
  const { command, revision, blob, role } = await requireEngineRevision(ctx.app.db, ctx.caller, {
    revisionId: call.revisionId,
    engine: call.engine,
    use: (engine) => {
      const command = call.commandOf(engine);
      const action: Action = command.kind === 'query' ? 'read' : 'write';
      return { command, action };
    },
  });
  const parsed = command.input.safeParse(call.params);
  if (!parsed.success) {
    const { issues } = parsed.error;
    throw new ApiError('bad_request', `invalid parameters for ${call.name}`, { details: issues, engineCode: codeOfIssues(issues) });
  }
  if (command.draftOnly) assertDraft(revision);
  return command.run({ app: ctx.app, caller: ctx.caller, actor: ctx.actor, role, blob, revision, idempotencyKey: ctx.idempotencyKey }, parsed.data);
}

const revisionOnly = z.looseObject({ revision_id: idOf('revision') });

/** The parameters as the command's schema reads them; a schema of no fields (`z.object({})`, whose input type refuses every key) reads none. */
type ParamsOf<S extends z.ZodType> = z.input<S> extends Record<string, never> ? object : z.input<S>;

/**
 * A procedure's input: `revision_id` is checked here and the parameters are left to runCommand,
 * which checks them as the data route does (same errors, same order); clients see them typed as
 * the command's schema reads them.
 */
function commandInput<S extends z.ZodType>(): StandardSchemaV1<{ revision_id: string } & ParamsOf<S>, z.infer<typeof revisionOnly>> {
  return { '~standard': { version: 1, vendor: 'blobhub', validate: (value) => revisionOnly['~standard'].validate(value) } };
}

/** Where a procedure's command is: the engine, the command's name and its definition. */
interface CommandAt<S extends z.ZodType, R extends CommandResult> {
  engine: string;
  name: string;
  command: EngineCommand<S, R>;
}

function resolverOf<S extends z.ZodType, R extends CommandResult>({ engine, name, command }: CommandAt<S, R>) {
  return ({ ctx, input }: { ctx: Context; input: z.infer<typeof revisionOnly> }) => {
    const { revision_id, ...params } = input;
    return runCommand(ctx, { revisionId: revision_id, engine, name, commandOf: () => command, params });
  };
}

const queryProcedure = <S extends z.ZodType, R extends CommandResult>(at: CommandAt<S, R>) => publicProcedure.input(commandInput<S>()).query(resolverOf(at));

const mutationProcedure = <S extends z.ZodType, R extends CommandResult>(at: CommandAt<S, R>) =>
  publicProcedure.input(commandInput<S>()).mutation(resolverOf(at));

/** A command's procedure: a query for `kind: 'query'` (it only reads), else a mutation. */
type CommandProcedure<C> =
  C extends EngineCommand<infer S, infer R, infer K>
    ? K extends 'query'
      ? ReturnType<typeof queryProcedure<S, R>>
      : ReturnType<typeof mutationProcedure<S, R>>
    : never;

type EngineProcedures<C extends EngineCommands> = { [N in keyof C]: CommandProcedure<C[N]> };

/** The engine's router: a procedure per command, under the command's name. */
export function engineRouter<C extends EngineCommands>(engine: Engine<C>) {
  const procedures = Object.fromEntries(
    Object.entries(engine.commands).map(([name, command]) => {
      const at = { engine: engine.name, name, command };
      return [name, command.kind === 'query' ? queryProcedure(at) : mutationProcedure(at)];
    }),
  );
  // Object.fromEntries forgets which procedure is which command's; EngineProcedures restores that from the commands' types.
  return router(procedures as EngineProcedures<C>);
}
