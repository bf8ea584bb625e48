/**
 * A flow.subworkflow's child in another workflow blob: the definition of a committed revision (or
 * `default`: the blob's newest committed one), run as the parent execution's starter (through the API key they used), who
 * must be allowed to run that blob; a blob they cannot see is not found.
 */
import { ApplicationFailure } from '@temporalio/common';
import { and, desc, eq, ne } from 'drizzle-orm';
import type { App } from '../../core/app';
import { delegatedCaller } from '../../core/delegation';
import { ApiError, notFound } from '../../core/errors';
import { requireBlob } from '../../core/resources';
import type { Transaction } from '../../db/client';
import { executions, revisions } from '../../db/schema';
import { createSessionRow, executionArgsOf, findDefinition, insertExecution } from './executions';
import { appendExecutionEvents } from './finish';
import { admitAtCreation, queuedEvent } from './limits';
import type { ExecutionArgs } from './plan';
import type { ChildRequest } from './temporal/contracts';

type Target = NonNullable<ChildRequest['target']>;

/** The blob and committed revision the target names, as the parent's starter sees them. */
async function resolveTarget(app: App, parent: ExecutionArgs, target: Target) {
  if (!parent.createdBy) throw notFound('blob');
  const caller = await delegatedCaller(app.db, { ownerId: parent.createdBy, createdByKeyId: parent.createdByKeyId ?? null }, 'execution');
  if (typeof caller === 'string') throw new ApiError('forbidden', caller);
  const [org, name] = target.blob.includes('/') ? target.blob.split('/') : [undefined, target.blob];
  // running a blob's workflow is a write, as create_execution is
  const { blob } = await requireBlob(app.db, caller, name, 'write', org);
  if (blob.type !== 'workflow') throw new ApiError('bad_request', `blob ${target.blob} is not a workflow blob`);
  // `default`: the newest committed revision, so that a draft being edited never changes what callers run
  const [revision] = await app.db
    .select()
    .from(revisions)
    .where(and(eq(revisions.blobId, blob.id), target.revision === 'default' ? ne(revisions.phase, 'draft') : eq(revisions.id, target.revision)))
    .orderBy(desc(revisions.number))
    .limit(1);
  if (!revision)
    throw notFound(target.revision === 'default' ? `a committed revision of blob ${target.blob}` : `revision ${target.revision} of blob ${target.blob}`);
  if (revision.phase === 'draft')
    throw new ApiError('conflict', `revision ${revision.id} of blob ${target.blob} is a draft: a subworkflow runs committed revisions only`);
  return { blob, revision };
}

/** The child's row in a new session of the target revision, within that blob's execution limits. */
export async function createChildInBlob(app: App, args: ChildRequest, target: Target): Promise<ExecutionArgs> {
  const { parent } = args;
  try {
    const { blob, revision } = await resolveTarget(app, parent, target);
    const row = await app.db.transaction(async (tx: Transaction) => {
      // a retried creation finds its row (and makes no second session)
      const [existing] = await tx.select().from(executions).where(eq(executions.id, args.childId));
      if (existing) return existing;
      const definition = await findDefinition(tx, revision.id, { alias: args.alias });
      const admission = await admitAtCreation(tx, blob, definition.alias);
      const session = await createSessionRow(tx, revision.id, parent.createdBy);
      return insertExecution(app, tx, {
        id: args.childId,
        revisionId: revision.id,
        sessionId: session.id,
        definition,
        inputData: Object.entries(args.inputs).map(([alias, value]) => ({ alias, value })),
        createdBy: parent.createdBy,
        createdByKeyId: parent.createdByKeyId,
        parentExecutionId: parent.executionId,
        waiting: admission.waiting !== undefined,
        onCreated: async (created) => {
          if (admission.waiting)
            await appendExecutionEvents(tx, executionArgsOf(created, { orgId: blob.orgId, blobId: blob.id }), [queuedEvent(admission.waiting)]);
        },
      });
    });
    return executionArgsOf(row, { orgId: blob.orgId, blobId: blob.id, keyId: parent.createdByKeyId });
  } catch (e) {
    // what the starter may not do, or what is not there, fails the component (its failure route) for good
    if (e instanceof ApiError) throw ApplicationFailure.nonRetryable(e.message, e.specCode);
    throw e;
  }
}
