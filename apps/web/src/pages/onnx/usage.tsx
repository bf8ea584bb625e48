/** The executions whose `ml.onnx` components ran this model revision (list_model_usage), each linking to its run. */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { queries } from '../../api/trpc';
import { Badge, Card, ErrorNotice, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';

export function ModelUsage({ revisionId }: { revisionId: string }) {
  const usage = useQuery(queries.onnx_blobhub.list_model_usage.queryOptions({ revision_id: revisionId }));
  return (
    <Card title="Used by executions">
      <ErrorNotice error={usage.error} />
      <DataTable
        testId="model-usage"
        rows={usage.data?.executions}
        rowKey={(e) => `${e.id}:${e.component_id}`}
        empty="No execution you can see has run this revision."
        columns={[
          {
            header: 'Execution',
            cell: (e) => (
              <Link
                className="font-mono text-xs text-indigo-700 hover:underline"
                to={`/orgs/${e.org_name}/blobs/${e.blob_name}/revisions/${e.revision_id}/executions/${e.id}`}
              >
                {e.id}
              </Link>
            ),
          },
          { header: 'Workflow', cell: (e) => `${e.blob_name} · ${e.alias}` },
          { header: 'Component', cell: (e) => e.component_id },
          { header: 'Status', cell: (e) => <Badge value={e.status} /> },
          { header: 'Created', cell: (e) => when(e.created_at), className: 'text-slate-600' },
        ]}
      />
    </Card>
  );
}
