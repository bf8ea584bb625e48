/** Webhook triggers of workflow blobs: a public URL that starts executions (docs/workflow.md#webhook-triggers). */
import { Option, type Command } from 'commander';
import type { BlobHub, Trigger } from '../../../sdk';
import { collect, positiveInt, withContext, type CliContext } from '../context';
import { UsageError } from '../exit-codes';
import type { Column } from '../output';

const sources = ['body', 'query', 'header'] as const;
const types = ['text', 'integer', 'float', 'boolean', 'json'] as const;

const triggerColumns: Column<Trigger>[] = [
  ['ID', (t) => t.id],
  ['STATUS', (t) => t.status],
  ['WORKFLOW', (t) => t.alias],
  ['REVISION', (t) => t.revision_id ?? 'default'],
  ['MODE', (t) => t.mode],
  ['AUTH', (t) => t.auth],
  ['URL', (t) => t.url],
];

/** `--map alias=source:path[:type]`, e.g. `n=body:/n:integer`, `who=header:X-Sender` (type text). */
export function parseMapping(spec: string) {
  const match = /^([^=]+)=([a-z]+):(.*)$/.exec(spec);
  const source = sources.find((s) => s === match?.[2]);
  if (!match?.[1] || !source) throw new UsageError(`--map ${spec}: write alias=source:path[:type] with source one of ${sources.join(', ')}`);
  const rest = match[3] ?? '';
  const typed = types.find((t) => rest.endsWith(`:${t}`));
  return { alias: match[1], source, path: typed ? rest.slice(0, -typed.length - 1) : rest, type: typed ?? ('text' as const) };
}

interface CreateOptions {
  workflow: string;
  revision?: string;
  default?: boolean;
  auth: 'hmac' | 'secret';
  sync?: boolean;
  timeout?: number;
  map: string[];
  rate?: number;
  name?: string;
}

function printTrigger(ctx: CliContext, result: { trigger: Trigger & { secret?: string } }, verb: string) {
  const { trigger } = result;
  ctx.out.result(result, () => {
    console.log(`Trigger ${trigger.id} ${verb}: ${trigger.status}, POST ${trigger.url}`);
    if (trigger.secret) console.log(`secret (shown once, keep it): ${trigger.secret}`);
  });
}

type TriggerRef = { revision_id: string; trigger_id: string };

const triggerVerbs: [verb: string, done: string, send: (hub: BlobHub, ref: TriggerRef) => Promise<{ trigger: Trigger & { secret?: string } }>][] = [
  ['show', 'is', (hub, ref) => hub.call((t) => t.workflow_blobhub.get_trigger.query(ref))],
  ['rotate', 'has a new secret', (hub, ref) => hub.call((t) => t.workflow_blobhub.rotate_trigger_secret.mutate(ref))],
  ['revoke', 'revoked', (hub, ref) => hub.call((t) => t.workflow_blobhub.revoke_trigger.mutate(ref))],
];

export function registerTriggers(program: Command) {
  const triggers = program.command('triggers').description('webhook triggers of a workflow blob');
  triggers
    .command('ls <blob>')
    .option('--revision <id>', 'the revision to ask (default: the latest)')
    .option('--all', 'include revoked triggers')
    .action(
      withContext(async (ctx, ref: string, opts: { revision?: string; all?: boolean }) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const page = await ctx.hub.call((t) =>
          t.workflow_blobhub.list_triggers.query({ revision_id: revisionId, include_revoked: Boolean(opts.all), limit: 100 }),
        );
        ctx.out.result(page, () => ctx.out.table(page.triggers, triggerColumns));
      }),
    );
  triggers
    .command('create <blob>')
    .description('create a webhook URL that runs a workflow definition; prints its secret once')
    .requiredOption('--workflow <alias>', 'the definition alias to run')
    .option('--revision <id>', 'the revision it runs (default: the latest)')
    .option('--default', "run the blob's default revision at each request instead of a fixed one")
    .addOption(new Option('--auth <kind>', 'hmac: signed timestamp + body; secret: the secret as bearer token').choices(['hmac', 'secret']).default('hmac'))
    .option('--sync', 'answer with the ended execution (up to --timeout seconds) instead of 202 at once')
    .option('--timeout <seconds>', 'sync: how long to wait (≤ 60)', positiveInt('--timeout', 60))
    .option('--map <alias=source:path[:type]>', 'an input from the request, e.g. n=body:/n:integer, who=header:X-Sender, q=query:q', collect, [])
    .option('--rate <per-minute>', 'accepted requests per minute', positiveInt('--rate', 10_000))
    .option('--name <name>', 'a name to recognise it by')
    .action(
      withContext(async (ctx, ref: string, opts: CreateOptions) => {
        const { revisionId } = await ctx.revisionOf(ref, opts.revision);
        const result = await ctx.hub.call((t) =>
          t.workflow_blobhub.create_trigger.mutate({
            revision_id: revisionId,
            alias: opts.workflow,
            runs: opts.default ? 'default' : 'revision',
            auth: opts.auth,
            mode: opts.sync ? 'sync' : 'async',
            sync_timeout_seconds: opts.timeout,
            input_mapping: opts.map.map(parseMapping),
            rate_limit_per_minute: opts.rate,
            name: opts.name,
          }),
        );
        printTrigger(ctx, result, 'created');
      }),
    );
  for (const [verb, done, send] of triggerVerbs) {
    triggers
      .command(`${verb} <blob> <trigger>`)
      .option('--revision <id>', 'the revision to ask (default: the latest)')
      .action(
        withContext(async (ctx, ref: string, triggerId: string, opts: { revision?: string }) => {
          const { revisionId } = await ctx.revisionOf(ref, opts.revision);
          printTrigger(ctx, await send(ctx.hub, { revision_id: revisionId, trigger_id: triggerId }), done);
        }),
      );
  }
}
