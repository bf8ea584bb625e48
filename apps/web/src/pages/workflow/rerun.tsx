/**
 * Reruns of an ended execution (from the start, or from one of its components, with the outputs
 * of the components before it reused) and its lineage: what it ran and used, and how it relates to
 * the execution it reruns and to its own reruns.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link, useNavigate } from 'react-router';
import { api, queries } from '../../api/trpc';
import { Badge, Button, Card, ErrorNotice, when } from '../../ui/kit';

/** Starts a rerun and opens it. `fromComponent`: the component to run from; the start when not given. */
export function RerunButton({
  revisionId,
  executionId,
  fromComponent,
  children,
}: {
  revisionId: string;
  executionId: string;
  fromComponent?: string;
  children: ReactNode;
}) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const rerun = useMutation({
    mutationFn: () => api.workflow_blobhub.rerun_execution.mutate({ revision_id: revisionId, execution_id: executionId, from_component: fromComponent }),
    onSuccess: ({ execution }) => {
      // this execution's lineage lists the new rerun
      void queryClient.invalidateQueries({
        queryKey: queries.workflow_blobhub.get_execution_lineage.queryKey({ revision_id: revisionId, execution_id: executionId }),
      });
      // the rerun is a sibling of this execution's page
      void navigate(`../${execution.id}`, { relative: 'path' });
    },
    meta: { success: 'Rerun started' },
  });
  return (
    <span className="flex flex-col items-end gap-1">
      <Button onClick={() => rerun.mutate()} busy={rerun.isPending}>
        {children}
      </Button>
      <ErrorNotice error={rerun.error} />
    </span>
  );
}

/** The execution's lineage; read again once it ends, when everything its components used is recorded. */
export function LineageCard({ revisionId, executionId, status }: { revisionId: string; executionId: string; status: string }) {
  const read = queries.workflow_blobhub.get_execution_lineage.queryOptions({ revision_id: revisionId, execution_id: executionId });
  const lineage = useQuery({ ...read, queryKey: [...read.queryKey, status] });
  const l = lineage.data?.lineage;
  return (
    <Card title="Lineage">
      <ErrorNotice error={lineage.error} />
      {l && (
        <dl className="grid gap-x-6 gap-y-3 text-sm md:grid-cols-2" data-testid="lineage">
          <Entry label="Definition">
            {l.alias} <span className="font-mono text-xs text-slate-500">{l.definition_hash.slice(0, 12)}</span>
          </Entry>
          <Entry label="Revision">
            <span className="font-mono text-xs">{l.revision_id}</span>
          </Entry>
          {l.rerun_of && (
            <Entry label="Rerun of">
              <Link className="font-mono text-xs text-indigo-700 hover:underline" to={`../${l.rerun_of}`} relative="path" data-testid="rerun-of">
                {l.rerun_of}
              </Link>{' '}
              from {l.rerun_from}
            </Entry>
          )}
          <Entry label="Models used">
            <List empty="none" testId="lineage-models">
              {l.models.map((m) => (
                <li key={`${m.revision_id}:${m.component_id}`}>
                  <span className="font-mono text-xs">{m.revision_id}</span> <span className="text-slate-500">by {m.component_id}</span>
                </li>
              ))}
            </List>
          </Entry>
          <Entry label="Credentials used">
            <List empty="none" testId="lineage-credentials">
              {l.credentials.map((c) => (
                <li key={`${c.alias}:${c.component_id}`}>
                  {c.alias}{' '}
                  <span className="text-slate-500">
                    ({c.scope} {c.type}) by {c.component_id}
                  </span>
                </li>
              ))}
            </List>
          </Entry>
          <Entry label="Reruns">
            <List empty="none" testId="reruns">
              {l.reruns.map((r) => (
                <li key={r.id} className="flex items-center gap-2">
                  <Link className="font-mono text-xs text-indigo-700 hover:underline" to={`../${r.id}`} relative="path">
                    {r.id}
                  </Link>
                  <Badge value={r.status} />
                  <span className="text-xs text-slate-500">
                    from {r.rerun_from}, {when(r.created_at)}
                  </span>
                </li>
              ))}
            </List>
          </Entry>
        </dl>
      )}
    </Card>
  );
}

function Entry({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt className="label">{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function List({ empty, testId, children }: { empty: string; testId: string; children: ReactNode[] }) {
  if (children.length === 0) return <span className="text-slate-500">{empty}</span>;
  return (
    <ul className="space-y-1" data-testid={testId}>
      {children}
    </ul>
  );
}
