/** orgs, blobs and revisions: the platform core. */
import { Option, type Command } from 'commander';
import type { Blob, Revision } from '../../../sdk';
import { positiveInt, withContext, type CliContext } from '../context';
import { UsageError } from '../exit-codes';
import type { Column } from '../output';

const blobColumns: Column<Blob>[] = [
  ['NAME', (b) => b.name],
  ['ID', (b) => b.id],
  ['TYPE', (b) => b.type],
  ['VISIBILITY', (b) => b.visibility],
  ['LATEST REVISION', (b) => b.latest_revision_id],
  ['UPDATED', (b) => b.updated_at],
];
const revisionColumns: Column<Revision>[] = [
  ['NUMBER', (r) => r.number],
  ['ID', (r) => r.id],
  ['PHASE', (r) => r.phase],
  ['STATUS', (r) => r.status],
  ['CREATED', (r) => r.created_at],
];

const limitOption = () => new Option('--limit <n>', 'at most this many (1-100)').default(20).argParser(positiveInt('--limit', 100));

function printRevision(ctx: CliContext, revision: Revision, verb: string) {
  ctx.out.result({ revision }, () => console.log(`Revision ${revision.number} (${revision.id}) ${verb}: phase ${revision.phase}, status ${revision.status}`));
}

export function registerResources(program: Command) {
  const orgs = program.command('orgs').description('organizations');
  orgs
    .command('ls')
    .description('organizations I am a member of')
    .addOption(limitOption())
    .action(
      withContext(async (ctx, opts: { limit: number }) => {
        const page = await ctx.hub.orgs.list({ limit: opts.limit });
        ctx.out.result(page, () =>
          ctx.out.table(page.orgs, [
            ['NAME', (o) => o.name],
            ['ID', (o) => o.id],
            ['DISPLAY NAME', (o) => o.display_name],
            ['CREATED', (o) => o.created_at],
          ]),
        );
      }),
    );
  orgs
    .command('create <name>')
    .description('create an organization (you become its admin)')
    .option('--display-name <text>')
    .option('--description <text>')
    .action(
      withContext(async (ctx, name: string, opts: { displayName?: string; description?: string }) => {
        const { org } = await ctx.hub.orgs.create({ name, display_name: opts.displayName, description: opts.description });
        ctx.out.result({ org }, () => console.log(`Created organization ${org.name} (${org.id})`));
      }),
    );

  const blobs = program.command('blobs').description('blobs (org/blob names or blb_ ids)');
  blobs
    .command('ls <org>')
    .description('blobs of an organization that I can read')
    .addOption(new Option('--type <type>', 'only this type').choices(['workflow', 'scheduler', 'onnx']))
    .addOption(limitOption())
    .action(
      withContext(async (ctx, org: string, opts: { type?: 'workflow' | 'scheduler' | 'onnx'; limit: number }) => {
        const page = await ctx.hub.blobs.list({ org_id: org, type: opts.type, limit: opts.limit });
        ctx.out.result(page, () => ctx.out.table(page.blobs, blobColumns));
      }),
    );
  blobs
    .command('create <org/blob>')
    .description('create a blob and its first draft revision')
    .addOption(new Option('--type <type>', 'the blob type').choices(['workflow', 'scheduler', 'onnx']).makeOptionMandatory())
    .option('--public', 'readable by anyone (default private)')
    .option('--description <text>')
    .action(
      withContext(async (ctx, ref: string, opts: { type: 'workflow' | 'scheduler' | 'onnx'; public?: boolean; description?: string }) => {
        const [org, name, ...rest] = ref.split('/');
        if (!org || !name || rest.length) throw new UsageError(`name the blob as org/blob, not ${ref}`);
        const created = await ctx.hub.blobs.create({
          org_id: org,
          name,
          type: opts.type,
          visibility: opts.public ? 'public' : 'private',
          description: opts.description,
        });
        ctx.out.result(created, () => console.log(`Created ${opts.type} blob ${org}/${name} (${created.blob.id}) with draft revision ${created.revision.id}`));
      }),
    );
  blobs
    .command('show <blob>')
    .description('a blob and its latest revision')
    .action(
      withContext(async (ctx, ref: string) => {
        const blob = await ctx.hub.blobs.get(ref);
        const revision = blob.latest_revision_id ? await ctx.hub.revisions.get(blob.latest_revision_id) : null;
        ctx.out.result({ blob, revision }, () => {
          ctx.out.fields(blob);
          if (revision) console.log(`\nlatest revision ${revision.number}: ${revision.phase}, ${revision.status}`);
        });
      }),
    );

  const revisions = program.command('revisions').description('revisions of a blob: draft → commit → snapshot');
  revisions
    .command('ls <blob>')
    .description('revisions, newest first')
    .addOption(limitOption())
    .action(
      withContext(async (ctx, ref: string, opts: { limit: number }) => {
        const blob = await ctx.hub.blobs.get(ref);
        const page = await ctx.hub.revisions.list(blob.id, { limit: opts.limit });
        ctx.out.result(page, () => ctx.out.table(page.revisions, revisionColumns));
      }),
    );
  revisions
    .command('create <blob>')
    .description('open a new draft copying a revision (default the latest)')
    .option('--from <revision>', 'the revision to copy')
    .action(
      withContext(async (ctx, ref: string, opts: { from?: string }) => {
        const blob = await ctx.hub.blobs.get(ref);
        printRevision(ctx, await ctx.hub.revisions.create(blob.id, opts.from), 'opened');
      }),
    );
  for (const [verb, done, describe] of [
    ['commit', 'committed', 'validate and freeze a draft (default: the latest revision)'],
    ['snapshot', 'snapshotted', 'publish a committed revision (default: the latest revision)'],
  ] as const) {
    revisions
      .command(`${verb} <blob>`)
      .description(describe)
      .option('--revision <id>', 'the revision (default: the latest)')
      .action(
        withContext(async (ctx, ref: string, opts: { revision?: string }) => {
          const { revisionId } = await ctx.revisionOf(ref, opts.revision);
          printRevision(ctx, await ctx.hub.revisions[verb](revisionId), done);
        }),
      );
  }
}
