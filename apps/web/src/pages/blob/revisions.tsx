/** A blob's revision timeline (draft → commit → snapshot), its lifecycle buttons and a diff. */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, queries, type ApiOutputs } from '../../api/trpc';
import { ConfirmButton } from '../../ui/confirm';
import { Badge, Button, Card, Empty, ErrorNotice, Pager, when } from '../../ui/kit';
import { useCursorPages } from '../../ui/paging';
import { toast } from '../../ui/toast';
import { RevisionDiff } from './diff';
import { useBlob } from './context';

export type Revision = ApiOutputs['revisions']['list']['revisions'][number];

export function useRevisions(blobId: string, cursor?: string) {
  return useQuery({
    ...queries.revisions.list.queryOptions({ blob_id: blobId, cursor, limit: 20 }),
    enabled: Boolean(blobId),
  });
}

/**
 * The revision a blob page works on: the one chosen in `?revision=`, else the blob's latest, else
 * the newest listed. `params` and `setParams` carry the page's other choices alongside.
 */
export function useChosenRevision(blob: { id: string; latest_revision_id?: string | null }) {
  const revisions = useRevisions(blob.id);
  const [params, setParams] = useSearchParams();
  const revisionId = params.get('revision') ?? blob.latest_revision_id ?? revisions.data?.revisions[0]?.id;
  return { revisions, revisionId, params, setParams };
}

/** One option per revision, its number and phase shown, its id the value. */
export const RevisionOptions = ({ revisions }: { revisions?: Revision[] }) =>
  revisions?.map((r) => (
    <option key={r.id} value={r.id}>
      Revision {r.number} ({r.phase})
    </option>
  ));

type LifecycleAction = 'commit' | 'snapshot' | 'delete' | 'draft';
const lifecycleDone: Record<LifecycleAction, string> = {
  commit: 'Revision committed',
  snapshot: 'Snapshot taken',
  delete: 'Draft deleted',
  draft: 'New draft opened',
};

/** Names of the organization's members, to say who made a revision. */
function useMemberNames(org: string) {
  const members = useQuery({
    ...queries.members.list.queryOptions({ target: 'orgs', target_id: org, limit: 100 }),
    retry: false,
  });
  const names = new Map(members.data?.members.map((m) => [m.user_id, m.name]));
  return (userId: string | null) => (userId ? (names.get(userId) ?? userId) : '—');
}

export function BlobRevisions() {
  const { org, blob } = useBlob();
  const pages = useCursorPages();
  const revisions = useRevisions(blob.id, pages.cursor);
  const nameOf = useMemberNames(org);
  const queryClient = useQueryClient();
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: queries.revisions.list.queryKey({ blob_id: blob.id }) }),
      queryClient.invalidateQueries({ queryKey: queries.blobByName.getByName.queryKey() }),
    ]);
  const lifecycle = useMutation({
    mutationFn: async ({ action, revisionId }: { action: LifecycleAction; revisionId?: string }): Promise<unknown> => {
      if (action === 'commit') return api.revisions.commit.mutate({ revision_id: revisionId! });
      if (action === 'snapshot') return api.revisions.snapshot.mutate({ revision_id: revisionId! });
      if (action === 'delete') return api.revisions.delete.mutate({ revision_id: revisionId! });
      return api.revisions.create.mutate({ blob_id: blob.id, from_revision_id: revisionId });
    },
    onSuccess: (_, { action }) => {
      toast(lifecycleDone[action]);
      return refresh();
    },
  });
  const list = revisions.data?.revisions ?? [];
  const hasDraft = list.some((r) => r.phase === 'draft');
  // A blob cannot be left without revisions: its pages would have nothing to show or upload to.
  const onlyRevision = pages.page === 1 && !revisions.data?.cursor && list.length === 1;
  const busy = (action: string, id: string) => lifecycle.isPending && lifecycle.variables?.action === action && lifecycle.variables.revisionId === id;
  return (
    <div className="space-y-6">
      <Card title="Revisions">
        <div className="mb-3">
          <ErrorNotice error={revisions.error ?? lifecycle.error} />
        </div>
        {revisions.data && list.length === 0 && pages.page === 1 && (
          <div className="space-y-3">
            <Empty>This blob has no revision: start one to give it content again.</Empty>
            <Button kind="primary" busy={lifecycle.isPending} onClick={() => lifecycle.mutate({ action: 'draft' })}>
              Start a new draft
            </Button>
          </div>
        )}
        <ol className="relative space-y-4 border-l border-slate-200 pl-6" data-testid="revision-timeline">
          {list.map((revision) => (
            <li key={revision.id} className="relative" data-testid={`revision-${revision.number}`}>
              <span className="absolute top-1.5 -left-[29px] size-2.5 rounded-full bg-indigo-500 ring-4 ring-white" />
              <div className="flex flex-wrap items-center justify-between gap-3">
                <div>
                  <p className="flex items-center gap-2 font-medium">
                    Revision {revision.number} <Badge value={revision.phase} />
                    {revision.status !== 'ready' && <Badge value={revision.status} />}
                  </p>
                  <p className="text-xs text-slate-500">
                    created by {nameOf(revision.created_by)} · {when(revision.created_at)}
                    {revision.committed_at && ` · committed ${when(revision.committed_at)}`}
                    {revision.snapshotted_at && ` · snapshot ${when(revision.snapshotted_at)}`}
                  </p>
                  {revision.status_reason && <p className="text-xs text-red-700">{revision.status_reason}</p>}
                </div>
                <div className="flex flex-wrap gap-2">
                  {revision.phase === 'draft' && (
                    <>
                      <ConfirmButton
                        kind="primary"
                        busy={busy('commit', revision.id)}
                        title={`Commit revision ${revision.number}?`}
                        message="A committed revision is read-only for good: its content can no longer change. Open a new draft from it to change it."
                        confirm="Commit"
                        onConfirm={() => lifecycle.mutate({ action: 'commit', revisionId: revision.id })}
                      >
                        Commit
                      </ConfirmButton>
                      {onlyRevision ? (
                        <p className="max-w-xs text-xs text-slate-600" data-testid="only-revision">
                          The blob&apos;s only revision cannot be deleted: a blob needs one. Delete the blob instead, or change this draft.
                        </p>
                      ) : (
                        <ConfirmButton
                          busy={busy('delete', revision.id)}
                          title={`Delete draft revision ${revision.number}?`}
                          message="Its content (definitions, sessions, files) is deleted with it. This cannot be undone."
                          confirm="Delete draft"
                          onConfirm={() => lifecycle.mutate({ action: 'delete', revisionId: revision.id })}
                        >
                          Delete draft
                        </ConfirmButton>
                      )}
                    </>
                  )}
                  {revision.phase === 'commit' && (
                    <Button
                      kind="primary"
                      busy={busy('snapshot', revision.id)}
                      onClick={() => lifecycle.mutate({ action: 'snapshot', revisionId: revision.id })}
                    >
                      Snapshot
                    </Button>
                  )}
                  {!hasDraft && (
                    <Button busy={busy('draft', revision.id)} onClick={() => lifecycle.mutate({ action: 'draft', revisionId: revision.id })}>
                      New draft from here
                    </Button>
                  )}
                </div>
              </div>
            </li>
          ))}
        </ol>
        <Pager pages={pages} loaded={revisions.data} />
      </Card>
      {list.length > 1 && <DiffCard revisions={list} />}
    </div>
  );
}

function DiffCard({ revisions }: { revisions: Revision[] }) {
  // shown from two revisions on: the newest against the one before
  const [from, setFrom] = useState(revisions[1]?.id ?? '');
  const [to, setTo] = useState(revisions[0]?.id ?? '');
  const pick = (value: string, set: (id: string) => void, label: string) => (
    <select className="input w-48" aria-label={label} value={value} onChange={(e) => set(e.target.value)}>
      {revisions.map((r) => (
        <option key={r.id} value={r.id}>
          Revision {r.number} ({r.phase})
        </option>
      ))}
    </select>
  );
  return (
    <Card
      title="Compare revisions"
      actions={
        <>
          {pick(from, setFrom, 'Compare from')}
          <span className="text-slate-400">→</span>
          {pick(to, setTo, 'Compare to')}
        </>
      }
    >
      <RevisionDiff fromId={from} toId={to} />
    </Card>
  );
}
