/**
 * An execution's lineage (docs/workflow.md#lineage): the definition hash and revision on its row,
 * and what its components used, recorded as they use it: each model revision an `ml.onnx`
 * component ran, each credential by alias (never its secret). Also the way back: the executions
 * that used a model revision, and an execution's reruns.
 */
import { and, asc, desc, eq } from 'drizzle-orm';
import { roleOn, type Caller } from '../../core/access';
import type { App } from '../../core/app';
import { blobs, executionLineage, executions, orgs, revisions } from '../../db/schema';
import type { ExecutionRow } from './executions';
import type { ComponentRequest } from './plan';

type ModelDetails = { blob_id: string; path: string };
type CredentialDetails = { credential_id: string; scope: 'blob' | 'org' | 'user'; type: string };
type LineageEntry = { kind: 'model'; ref: string; details: ModelDetails } | { kind: 'credential'; ref: string; details: CredentialDetails };

/** Records that a component used something; a retried attempt records it once. */
export async function recordLineage(app: App, request: ComponentRequest, entry: LineageEntry): Promise<void> {
  await app.db
    .insert(executionLineage)
    .values({ executionId: request.execution.executionId, componentId: request.component.id, ...entry })
    .onConflictDoNothing();
}

/** get_execution_lineage's answer. */
export async function lineageOf(app: App, execution: ExecutionRow) {
  const [used, reruns] = await Promise.all([
    app.db.select().from(executionLineage).where(eq(executionLineage.executionId, execution.id)).orderBy(asc(executionLineage.createdAt)),
    app.db
      .select({ id: executions.id, status: executions.status, rerun_from: executions.rerunFrom, created_at: executions.createdAt })
      .from(executions)
      .where(eq(executions.rerunOf, execution.id))
      .orderBy(desc(executions.createdAt)),
  ]);
  const of = (kind: LineageEntry['kind']) => used.filter((u) => u.kind === kind);
  return {
    execution_id: execution.id,
    revision_id: execution.revisionId,
    definition_id: execution.definitionId,
    alias: execution.alias,
    definition_hash: execution.definitionHash,
    rerun_of: execution.rerunOf,
    rerun_from: execution.rerunFrom,
    reruns: reruns.map((r) => ({ ...r, created_at: r.created_at.toISOString() })),
    models: of('model').map((m) => ({ revision_id: m.ref, component_id: m.componentId, ...(m.details as ModelDetails) })),
    credentials: of('credential').map((c) => ({ alias: c.ref, component_id: c.componentId, ...(c.details as CredentialDetails) })),
  };
}

/**
 * The latest `limit` uses of a model revision by executions, newest first, less those in blobs the
 * caller may not read (an execution there stays unseen, as the blob holding it does).
 */
export async function executionsUsingModel(app: App, caller: Caller, modelRevisionId: string, limit: number) {
  const rows = await app.db
    .select({ execution: executions, blob: blobs, orgName: orgs.name, componentId: executionLineage.componentId })
    .from(executionLineage)
    .innerJoin(executions, eq(executions.id, executionLineage.executionId))
    .innerJoin(revisions, eq(revisions.id, executions.revisionId))
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .innerJoin(orgs, eq(orgs.id, blobs.orgId))
    .where(and(eq(executionLineage.kind, 'model'), eq(executionLineage.ref, modelRevisionId)))
    .orderBy(desc(executionLineage.createdAt), desc(executionLineage.executionId))
    .limit(limit);
  const readable = await readableBlobs(
    app,
    caller,
    rows.map((r) => r.blob),
  );
  return rows
    .filter((r) => readable.has(r.blob.id))
    .map((r) => ({
      id: r.execution.id,
      org_id: r.blob.orgId,
      org_name: r.orgName,
      blob_id: r.blob.id,
      blob_name: r.blob.name,
      revision_id: r.execution.revisionId,
      alias: r.execution.alias,
      status: r.execution.status,
      component_id: r.componentId,
      created_at: r.execution.createdAt.toISOString(),
    }));
}

async function readableBlobs(app: App, caller: Caller, found: (typeof blobs.$inferSelect)[]): Promise<Set<string>> {
  const unique = [...new Map(found.map((b) => [b.id, b])).values()];
  const roles = await Promise.all(unique.map(async (b) => [b.id, await roleOn(app.db, caller, { type: 'blob', blob: b })] as const));
  return new Set(roles.filter(([, role]) => role !== null).map(([id]) => id));
}
