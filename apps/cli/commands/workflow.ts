/** Workflow blobs: definitions push/pull, run with typed inputs, and events (stored or live). */
import type { Command } from 'commander';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BlobHubError, type BlobHubEvent, type Execution, type ValueObject } from '../../../sdk';
import { collect, withContext, type CliContext } from '../context';
import { UnsuccessfulError, UsageError } from '../exit-codes';
import { parseInputs, showValue } from '../inputs';

const ENGINE = 'workflow_blobhub';

async function readJsonFile(file: string): Promise<unknown> {
  const raw = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new UsageError(`cannot read ${file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`);
  });
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new UsageError(`${file} is not JSON: ${(error as Error).message}`);
  }
}

function printExecution(ctx: CliContext, execution: Execution) {
  console.log(`Execution ${execution.id} ${execution.status} (session ${execution.session_id}, revision ${execution.revision_id})`);
  const outputs = (execution.output_data ?? []) as { alias: string; value: ValueObject }[];
  if (outputs.length)
    ctx.out.table(outputs, [
      ['OUTPUT', (o) => o.alias],
      ['TYPE', (o) => o.value.type],
      ['VALUE', (o) => showValue(o.value)],
    ]);
  if (execution.error) console.log(`error: ${JSON.stringify(execution.error)}`);
  if (execution.temporal?.ui_url) console.log(`Temporal UI: ${execution.temporal.ui_url}`);
}

function eventLine(event: BlobHubEvent): string {
  const when = new Date(event.created_at).toISOString();
  const attributes = event.attributes && Object.keys(event.attributes).length ? ` ${JSON.stringify(event.attributes)}` : '';
  // A session's stream mixes executions: say whose event each one is.
  return `#${event.seq}  ${when}  ${event.execution_id ?? '-'}  ${event.type}${event.message ? `  ${event.message}` : ''}${attributes}`;
}

/** The revision holding an execution or session: `--revision`, else the blob's revisions newest first. */
async function revisionHolding(ctx: CliContext, blobRef: string, id: string, revision?: string): Promise<string> {
  const blob = await ctx.hub.blobs.get(blobRef);
  if (revision) return revision;
  const { revisions } = await ctx.hub.revisions.list(blob.id, { limit: 100 });
  for (const r of revisions) {
    const found = await (
      id.startsWith('ses_')
        ? ctx.hub.command(r.id, ENGINE, 'get_session', { session_id: id })
        : ctx.hub.command(r.id, ENGINE, 'get_execution', { execution_id: id })
    ).catch((error: unknown) => {
      if (error instanceof BlobHubError && error.code === 'not_found') return null;
      throw error;
    });
    if (found) return r.id;
  }
  throw new BlobHubError('not_found', `no revision of ${blobRef} holds ${id}`);
}

async function storedEvents(ctx: CliContext, revisionId: string, executionId: string, since = 0) {
  const events: BlobHubEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.hub.command(revisionId, ENGINE, 'list_execution_events', { execution_id: executionId, after: since, cursor, limit: 1000 });
    events.push(...(page.events as BlobHubEvent[]));
    cursor = (page.cursor as string | null) ?? undefined;
  } while (cursor);
  return events;
}

interface EventsOptions {
  follow?: boolean;
  since?: string;
  type?: string[];
  revision?: string;
}

async function followEvents(ctx: CliContext, revisionId: string, id: string, opts: EventsOptions) {
  const isExecution = id.startsWith('exe_');
  // An execution's stream ends with execution_ended, so watch for it even when filtering.
  const types = opts.type && isExecution ? [...new Set([...opts.type, 'execution_ended'])] : opts.type;
  const key = { scope: 'revision', scope_id: revisionId, target: isExecution ? 'execution' : 'session', target_id: id } as const;
  const stream = ctx.hub.events(key, {
    since: opts.since ?? 0,
    types,
    onReconnect: (attempt, reason) => ctx.out.note(`connection lost (${reason.message}); reconnecting, attempt ${attempt}`),
  });
  for await (const event of stream) {
    if (!opts.type || opts.type.includes(event.type)) console.log(ctx.out.json ? JSON.stringify(event) : eventLine(event));
    if (isExecution && event.type === 'execution_ended') break;
  }
}

export function registerWorkflow(program: Command) {
  const definitions = program.command('definitions').description('workflow definitions of a revision');
  definitions
    .command('ls <blob>')
    .option('--revision <id>', 'the revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, opts: { revision?: string }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const page = await ctx.hub.command(revisionId, ENGINE, 'list_definitions', { limit: 100 });
        const rows = page.definitions as { alias: string; id: string; content_hash: string; updated_at: string }[];
        ctx.out.result(page, () =>
          ctx.out.table(rows, [
            ['ALIAS', (d) => d.alias],
            ['ID', (d) => d.id],
            ['HASH', (d) => d.content_hash.slice(0, 12)],
            ['UPDATED', (d) => d.updated_at],
          ]),
        );
      }),
    );
  definitions
    .command('push <blob> <file>')
    .description('upload a definition from a JSON file to a draft (replaces the same alias)')
    .option('--alias <alias>', 'the definition alias (default: the file name without .json)')
    .option('--revision <id>', 'the draft revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, file: string, opts: { alias?: string; revision?: string }) => {
        const definition = await readJsonFile(file);
        const alias = opts.alias ?? path.basename(file).replace(/\.json$/i, '');
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const result = await ctx.hub.command(revisionId, ENGINE, 'upload_definition', { alias, definition });
        const pushed = result.definition as { id: string; content_hash: string };
        ctx.out.result(result, () => console.log(`Pushed ${file} as definition ${alias} (${pushed.id}) to revision ${revisionId}`));
      }),
    );
  definitions
    .command('pull <blob> <alias>')
    .description('download a definition as JSON (to stdout, or to --output)')
    .option('-o, --output <file>', 'write it to this file')
    .option('--revision <id>', 'the revision (default: the latest)')
    .action(
      withContext(async (ctx, ref: string, alias: string, opts: { output?: string; revision?: string }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const { definition } = (await ctx.hub.command(revisionId, ENGINE, 'get_definition', { alias })) as { definition: { definition: unknown } };
        const json = `${JSON.stringify(definition.definition, null, 2)}\n`;
        if (!opts.output) return void process.stdout.write(json);
        await writeFile(opts.output, json);
        ctx.out.note(`Wrote definition ${alias} to ${opts.output}`);
      }),
    );

  program
    .command('run <blob> <definition>')
    .description('run a workflow definition and print its outputs when it ends')
    .option('-i, --input <name=value>', 'an input: n=10, x=1.5, on=true, s=text, j={"a":1}, or name:type=value', collect, [])
    .option('--session <id>', 'run inside this session (default: a new one)')
    .option('--revision <id>', 'the revision (default: the latest)')
    .option('--no-wait', 'print the started execution and return')
    .action(
      withContext(async (ctx, ref: string, alias: string, opts: { input: string[]; session?: string; revision?: string; wait: boolean }) => {
        const inputs = parseInputs(opts.input);
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const started = await ctx.hub.startExecution(revisionId, alias, inputs, { sessionId: opts.session });
        const execution = opts.wait ? await ctx.hub.waitForExecution(revisionId, started.id) : started;
        ctx.out.result({ execution }, () => printExecution(ctx, execution));
        // BlobHub's own clients call success `completed`.
        if (opts.wait && !['succeeded', 'completed'].includes(execution.status)) {
          throw new UnsuccessfulError(`execution ${execution.id} ended ${execution.status}`);
        }
      }),
    );

  program
    .command('events <blob> <id>')
    .description('events of an execution (exe_…) or a session (ses_…); --follow streams them live')
    .option('-f, --follow', 'stream live events (an execution stops at its end; a session until Ctrl-C)')
    .option('--since <seq>', 'only events after this seq or event id')
    .option('--type <type>', 'only this event type (repeatable)', collect)
    .option('--revision <id>', 'the revision (default: the one holding the id)')
    .action(
      withContext(async (ctx, ref: string, id: string, opts: EventsOptions) => {
        if (!/^(exe|ses)_/.test(id)) throw new UsageError(`${id} is neither an execution id (exe_…) nor a session id (ses_…)`);
        if (opts.since !== undefined && !/^(\d+|evt_[0-9a-z]{26})$/i.test(opts.since))
          throw new UsageError(`--since takes a seq or an event id, not ${opts.since}`);
        if (id.startsWith('ses_') && !opts.follow) throw new UsageError('session events stream live: add --follow');
        if (opts.since?.startsWith('evt_') && !opts.follow) throw new UsageError('--since with an event id needs --follow');
        const revisionId = await revisionHolding(ctx, ref, id, opts.revision);
        if (opts.follow) return followEvents(ctx, revisionId, id, opts);
        const events = (await storedEvents(ctx, revisionId, id, Number(opts.since ?? 0))).filter((e) => !opts.type || opts.type.includes(e.type));
        ctx.out.result({ events }, () => events.forEach((e) => console.log(eventLine(e))));
      }),
    );
}
