/** Two revisions' content as a line diff of their JSON: definitions for workflows, metadata for all. */
import { useQuery } from '@tanstack/react-query';
import { diffJson } from 'diff';
import { api } from '../../api/trpc';
import { ErrorNotice } from '../../ui/kit';
import { useBlob, type Blob } from './context';

async function revisionContent(type: Blob['type'], revisionId: string) {
  const { metadata } = await api.metadata.list.query({ target: 'revisions', target_id: revisionId });
  if (type !== 'workflow') return { metadata };
  const { definitions } = await api.workflow_blobhub.list_definitions.query({ revision_id: revisionId });
  const full = await Promise.all(definitions.map((d) => api.workflow_blobhub.get_definition.query({ revision_id: revisionId, alias: d.alias })));
  return { definitions: Object.fromEntries(full.map(({ definition }) => [definition.alias, definition.definition])), metadata };
}

export function RevisionDiff({ fromId, toId }: { fromId: string; toId: string }) {
  const { blob } = useBlob();
  const content = (id: string) => ({ queryKey: ['revision-content', id], queryFn: () => revisionContent(blob.type, id) });
  const from = useQuery(content(fromId));
  const to = useQuery(content(toId));
  if (from.error || to.error) return <ErrorNotice error={from.error ?? to.error} />;
  if (!from.data || !to.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const rows = diffRows(diffJson(from.data, to.data));
  const changed = rows.some((r) => r.change === 'added' || r.change === 'removed');
  return (
    <div data-testid="revision-diff">
      {!changed && <p className="mb-2 text-sm text-slate-500">The two revisions have the same content.</p>}
      <pre className="max-h-[28rem] overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-5">
        {rows.map((row, i) => (
          <div key={i} className={rowLooks[row.change]} data-change={row.change === 'same' ? undefined : row.change}>
            {row.text}
          </div>
        ))}
      </pre>
    </div>
  );
}

const CONTEXT_LINES = 3;

interface DiffRow {
  change: 'added' | 'removed' | 'same' | 'skipped';
  text: string;
}

const rowLooks: Record<DiffRow['change'], string> = {
  added: 'bg-emerald-100 text-emerald-900',
  removed: 'bg-red-100 text-red-900',
  same: 'text-slate-600',
  skipped: 'my-1 bg-slate-100 text-center text-slate-400',
};

/** One row per line, unchanged stretches cut down to a few lines of context around each change. */
function diffRows(parts: ReturnType<typeof diffJson>): DiffRow[] {
  return parts.flatMap((part, index) => {
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (part.added || part.removed) return lines.map((line) => ({ change: part.added ? 'added' : 'removed', text: `${part.added ? '+' : '-'} ${line}` }));
    const same = (line: string): DiffRow => ({ change: 'same', text: `  ${line}` });
    const head = index === 0 ? 0 : CONTEXT_LINES;
    const tail = index === parts.length - 1 ? 0 : CONTEXT_LINES;
    if (lines.length <= head + tail + 1) return lines.map(same);
    const skipped: DiffRow = { change: 'skipped', text: `… ${lines.length - head - tail} unchanged lines …` };
    return [...lines.slice(0, head).map(same), skipped, ...lines.slice(lines.length - tail).map(same)];
  });
}
