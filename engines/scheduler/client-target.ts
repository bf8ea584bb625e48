/**
 * BlobHub's form of a schedule's invocation target, as `blobhub-cli scheduler deploy` writes it:
 * `{target: {org?, blob, revision, session?}, workflow: {definition}, input_data?}`. It is
 * resolved once, at save time, into the SPEC form (ids, `workflow_alias`): `revision: default`
 * names the blob's latest revision and `session` an existing session id or alias.
 */
import { and, eq, or } from 'drizzle-orm';
import type { Caller } from '../../core/access';
import type { App } from '../../core/app';
import { hasPrefix } from '../../core/ids';
import { requireBlob } from '../../core/resources';
import { definitions, sessions } from '../../db/schema';
import { fieldError } from './cron';
import type { ClientInvocationTarget, InvocationTarget } from './model';

export const isClientTarget = (target: object): target is ClientInvocationTarget => 'target' in target && 'workflow' in target;

export async function resolveClientTarget(app: App, caller: Caller, client: ClientInvocationTarget): Promise<InvocationTarget> {
  const { target, workflow } = client;
  const { blob } = await requireBlob(app.db, caller, target.blob, 'read', target.org);
  const revisionId = target.revision === 'default' ? blob.latestRevisionId : target.revision;
  if (!revisionId) throw fieldError('invocation_target', `blob ${blob.name} has no revision`);
  const [definition] = await app.db
    .select({ alias: definitions.alias })
    .from(definitions)
    .where(
      and(
        eq(definitions.revisionId, revisionId),
        hasPrefix(workflow.definition, 'definition') ? eq(definitions.id, workflow.definition) : eq(definitions.alias, workflow.definition),
      ),
    );
  if (!definition) throw fieldError('invocation_target', `revision ${revisionId} has no definition ${workflow.definition}`);
  let sessionId: string | undefined;
  if (target.session) {
    const [session] = await app.db
      .select({ id: sessions.id })
      .from(sessions)
      .where(and(eq(sessions.revisionId, revisionId), or(eq(sessions.id, target.session), eq(sessions.alias, target.session))));
    if (!session) throw fieldError('invocation_target', `revision ${revisionId} has no session ${target.session}`);
    sessionId = session.id;
  }
  return {
    org_id: blob.orgId,
    blob_id: blob.id,
    revision_id: revisionId,
    session_id: sessionId,
    workflow_alias: definition.alias,
    input_data: client.input_data,
  };
}
