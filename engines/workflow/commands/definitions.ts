/** upload/get/list/delete/validate_definition: definitions are the revision's content. */
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import { auditCommand } from '../../../core/audit';
import { defineCommand, type CommandContext } from '../../../core/engines';
import type { Db } from '../../../db/client';
import type { App } from '../../../core/app';
import { ApiError, notFound, theRow } from '../../../core/errors';
import { newId } from '../../../core/ids';
import { idOf } from '../../../core/schemas';
import { pageQuery, fetchPage, newestFirst } from '../../../core/paging';
import { definitions } from '../../../db/schema';
import { componentCatalog } from '../components/catalog';
import type { WorkflowDefinition } from '../model';
import { definitionHash } from '../validate';
import { compileDefinitionWithCode, type CodeBounds } from '../validate-code';

export const definitionAlias = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be 1-128 letters, digits, _ . -');
const definitionRef = z
  .object({ definition_id: idOf('definition').optional(), alias: definitionAlias.optional() })
  .refine((r) => Boolean(r.definition_id) !== Boolean(r.alias), { message: 'give exactly one of definition_id and alias' });

type DefinitionRow = typeof definitions.$inferSelect;

const toDefinitionWire = (d: DefinitionRow) => ({
  id: d.id,
  alias: d.alias,
  category: 'workflow',
  content_hash: d.contentHash,
  created_at: d.createdAt.toISOString(),
  updated_at: d.updatedAt.toISOString(),
});

async function findByRef(db: Parameters<typeof loadDefinitions>[0], revisionId: string, ref: z.infer<typeof definitionRef>) {
  const where = ref.definition_id ? eq(definitions.id, ref.definition_id) : eq(definitions.alias, ref.alias!);
  const [row] = await db
    .select()
    .from(definitions)
    .where(and(eq(definitions.revisionId, revisionId), where));
  if (!row) throw notFound('definition');
  return row;
}

export function loadDefinitions(db: import('../../../db/client').Db, revisionId: string) {
  return db.select().from(definitions).where(eq(definitions.revisionId, revisionId)).orderBy(definitions.alias);
}

/** BlobHub's definition categories: `workflow` definitions run; this server has no playgrounds. */
const category = z.enum(['workflow', 'playground']);
const WORKFLOW_CATEGORY = 'workflow';

/** The document `create_definition` holds until its first upload: it does not compile, so a commit refuses it. */
const emptyDefinition: WorkflowDefinition = { type: 'workflow_definition', version: '1.0.1', components: [], connections: [] };

const codeBounds = (app: App): CodeBounds => ({ maxMemoryMb: app.config.BLOBHUB_SANDBOX_MAX_MEMORY_MB });

/** `check_definition`'s answer: BlobHub's `{status, events}`, one `definition_error` event per problem. */
async function checkResult(app: App, definition: unknown) {
  const compiled = await compileDefinitionWithCode(definition, codeBounds(app));
  const events = compiled.errors.map((e) => ({
    type: 'definition_error',
    message: e.message,
    attributes: e.component_id ? { component_id: e.component_id } : {},
  }));
  return { status: compiled.valid ? 'success' : 'failed', events };
}

/** A definition change's audit entry: its alias and content hash (the document is in the revision). */
const auditDefinition = (tx: Db, ctx: CommandContext, verb: string, row: DefinitionRow) =>
  auditCommand(tx, ctx, `definition.${verb}`, { type: 'definition', id: row.id }, { alias: row.alias, content_hash: row.contentHash });

export const definitionCommands = {
  /** BlobHub's two-step form: create an (empty) definition under an alias, then upload_definition by its id. */
  create_definition: defineCommand({
    kind: 'command',
    draftOnly: true,
    input: z.object({ alias: definitionAlias, category: category.default(WORKFLOW_CATEGORY) }),
    async run(ctx, { alias, category: kind }) {
      const { app, revision } = ctx;
      if (kind !== WORKFLOW_CATEGORY)
        throw new ApiError('bad_request', 'only workflow definitions are supported', { engineCode: 'invalid_definition_category' });
      const now = new Date();
      const row = await app.db.transaction(async (tx) => {
        const [created] = await tx
          .insert(definitions)
          .values({
            id: newId('definition'),
            revisionId: revision.id,
            alias,
            contentHash: definitionHash(emptyDefinition),
            definition: emptyDefinition,
            createdAt: now,
            updatedAt: now,
          })
          .onConflictDoNothing()
          .returning();
        if (!created) throw new ApiError('bad_request', `a definition with alias ${alias} already exists`, { engineCode: 'alias_in_use' });
        await auditDefinition(tx, ctx, 'create', created);
        return created;
      });
      return { definition: toDefinitionWire(row) };
    },
  }),
  upload_definition: defineCommand({
    kind: 'command',
    draftOnly: true,
    input: z
      .object({ alias: definitionAlias.optional(), definition_id: idOf('definition').optional(), definition: z.unknown() })
      .refine((r) => Boolean(r.definition_id) !== Boolean(r.alias), { message: 'give exactly one of definition_id and alias' }),
    async run(ctx, { definition_id, definition, ...named }) {
      const { app, revision } = ctx;
      const alias = definition_id ? (await findByRef(app.db, revision.id, { definition_id })).alias : named.alias!;
      const compiled = await compileDefinitionWithCode(definition, codeBounds(app));
      if (!compiled.valid) {
        throw new ApiError('bad_request', `the definition is invalid: ${compiled.errors[0]?.message}`, {
          details: compiled.errors,
          engineCode: 'invalid_definition',
        });
      }
      const contentHash = definitionHash(compiled.definition);
      const now = new Date();
      const row = await app.db.transaction(async (tx) => {
        const uploaded = await tx
          .insert(definitions)
          .values({ id: newId('definition'), revisionId: revision.id, alias, contentHash, definition: compiled.definition, createdAt: now, updatedAt: now })
          .onConflictDoUpdate({ target: [definitions.revisionId, definitions.alias], set: { contentHash, definition: compiled.definition, updatedAt: now } })
          .returning()
          .then(theRow);
        await auditDefinition(tx, ctx, 'upload', uploaded);
        return uploaded;
      });
      return { definition: toDefinitionWire(row) };
    },
  }),
  /** BlobHub's read: the record and the document as `definition_object` */
  download_definition: defineCommand({
    kind: 'query',
    input: definitionRef,
    async run({ app, revision }, ref) {
      const row = await findByRef(app.db, revision.id, ref);
      return { definition: toDefinitionWire(row), definition_object: row.definition };
    },
  }),
  check_definition: defineCommand({
    kind: 'query',
    input: definitionRef,
    async run({ app, revision }, ref) {
      return checkResult(app, (await findByRef(app.db, revision.id, ref)).definition);
    },
  }),
  get_definition: defineCommand({
    kind: 'query',
    input: definitionRef,
    async run({ app, revision }, ref) {
      const row = await findByRef(app.db, revision.id, ref);
      // what is stored passed compileDefinition on upload, or is the empty document create_definition stores
      return { definition: { ...toDefinitionWire(row), definition: row.definition as WorkflowDefinition } };
    },
  }),
  list_definitions: defineCommand({
    kind: 'query',
    input: z.object({ ...pageQuery, limit: pageQuery.limit.unwrap().default(100), category: category.optional() }),
    async run({ app, revision }, { limit, cursor, category: kind }) {
      if (kind && kind !== WORKFLOW_CATEGORY) return { definitions: [], cursor: null };
      const q = newestFirst(definitions.id, cursor, eq(definitions.revisionId, revision.id));
      const { items, cursor: next } = await fetchPage(limit, (take) => app.db.select().from(definitions).where(q.where).orderBy(q.orderBy).limit(take));
      return { definitions: items.map(toDefinitionWire), cursor: next };
    },
  }),
  delete_definition: defineCommand({
    kind: 'command',
    draftOnly: true,
    input: definitionRef,
    async run(ctx, ref) {
      const row = await findByRef(ctx.app.db, ctx.revision.id, ref);
      await ctx.app.db.transaction(async (tx) => {
        await tx.delete(definitions).where(eq(definitions.id, row.id));
        await auditDefinition(tx, ctx, 'delete', row);
      });
      return {};
    },
  }),
  /** The editor's catalog: every registered component type with its ports and config schema. */
  list_component_types: defineCommand({
    kind: 'query',
    input: z.object({}),
    async run() {
      return { component_types: componentCatalog() };
    },
  }),
  validate_definition: defineCommand({
    kind: 'query',
    input: z.object({ definition: z.unknown() }),
    async run({ app }, { definition }) {
      const compiled = await compileDefinitionWithCode(definition, codeBounds(app));
      return { valid: compiled.valid, errors: compiled.errors };
    },
  }),
};
