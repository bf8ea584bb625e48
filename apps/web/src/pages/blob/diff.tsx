/** Two revisions' content as a line diff of their JSON: definitions for workflows, metadata for all. */
import { useQuery } from '@tanstack/react-query';
import { diffJson } from 'diff';
import { api } from '../../api/trpc';
import { workflow } from '../../api/workflow';
import { ErrorNotice } from '../../ui/kit';
import { useBlob, type Blob } from './layout';

async function revisionContent(type: Blob['type'], revisionId: string) {
  const { metadata } = await api.metadata.list.query({ target: 'revisions', target_id: revisionId });
  if (type !== 'workflow') return { metadata };
  const { definitions } = await workflow.listDefinitions(revisionId);
  const full = await Promise.all(definitions.map((d) => workflow.getDefinition(revisionId, d.alias)));
  return { definitions: Object.fromEntries(full.map(({ definition }) => [definition.alias, definition.definition])), metadata };
}

export function RevisionDiff({ fromId, toId }: { fromId: string; toId: string }) {
  const { blob } = useBlob();
  const content = (id: string) => ({ queryKey: ['revision-content', id], queryFn: () => revisionContent(blob.type, id) });
  const from = useQuery(content(fromId));
  const to = useQuery(content(toId));
  if (from.error || to.error) return <ErrorNotice error={from.error ?? to.error} />;
  if (!from.data || !to.data) return <p className="text-sm text-slate-500">Loading…</p>;
  const parts = diffJson(from.data, to.data);
  const changed = parts.some((p) => p.added || p.removed);
  return (
    <div data-testid="revision-diff">
      {!changed && <p className="mb-2 text-sm text-slate-500">The two revisions have the same content.</p>}
      <pre className="max-h-[28rem] overflow-auto rounded-md border border-slate-200 bg-slate-50 p-3 font-mono text-xs leading-5">
        {parts.flatMap((part, i) =>
          part.value
            .replace(/\n$/, '')
            .split('\n')
            .map((line, j) => (
              <div
                key={`${i}-${j}`}
                className={part.added ? 'bg-emerald-100 text-emerald-900' : part.removed ? 'bg-red-100 text-red-900' : 'text-slate-600'}
                data-change={part.added ? 'added' : part.removed ? 'removed' : undefined}
              >
                {part.added ? '+ ' : part.removed ? '- ' : '  '}
                {line}
              </div>
            )),
        )}
      </pre>
    </div>
  );
}
