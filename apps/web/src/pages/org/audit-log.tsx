/** An organization's audit log (admins only): who changed what, when and from where, newest first, filtered by action. */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { queries } from '../../api/trpc';
import { Card, ErrorNotice, Pager, when } from '../../ui/kit';
import { DataTable } from '../../ui/table';
import { useCursorPages } from '../../ui/paging';
import { useOrgName } from './layout';

/** The action prefixes the filter offers, one per kind of target. */
const actionKinds = ['org.', 'member.', 'api_key.', 'credential.', 'blob.', 'revision.', 'metadata.', 'definition.', 'schedule.', 'execution.'];

export function OrgAuditLog() {
  const org = useOrgName();
  const pages = useCursorPages();
  const [action, setAction] = useState('');
  const list = useQuery({
    ...queries.audit.list.queryOptions({ org_id: org, action: action || undefined, cursor: pages.cursor, limit: 50 }),
  });
  const pickAction = (value: string) => {
    setAction(value);
    pages.reset();
  };
  return (
    <Card
      title="Audit log"
      actions={
        <select className="input w-44" aria-label="Action" value={action} onChange={(e) => pickAction(e.target.value)}>
          <option value="">All actions</option>
          {actionKinds.map((kind) => (
            <option key={kind} value={kind}>
              {kind.slice(0, -1)}
            </option>
          ))}
        </select>
      }
    >
      <ErrorNotice error={list.error} />
      <DataTable
        testId="audit-table"
        rows={list.data?.audit_entries}
        rowKey={(e) => e.id}
        empty="No changes recorded."
        columns={[
          { header: 'When', cell: (e) => when(e.created_at), className: 'text-slate-500' },
          { header: 'Action', cell: (e) => e.action, className: 'font-mono text-xs' },
          { header: 'Target', cell: (e) => `${e.target.type} ${e.target.id}`, className: 'font-mono text-xs' },
          { header: 'By', cell: (e) => e.actor.key_id ?? e.actor.user_id ?? 'system', className: 'font-mono text-xs' },
          { header: 'From', cell: (e) => [e.via, e.client_ip].filter(Boolean).join(' · ') },
          { header: 'Changes', cell: (e) => (e.changes ? JSON.stringify(e.changes) : ''), className: 'max-w-xs break-all font-mono text-xs' },
        ]}
      />
      <Pager pages={pages} loaded={list.data} />
    </Card>
  );
}
