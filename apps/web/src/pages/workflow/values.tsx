/**
 * Workflow values as a person reads them: the data of a value object under its type (text as
 * text, numbers as numbers, JSON pretty-printed), and an execution's input or output entries,
 * those stored by reference (past the inline budget) fetched with get_execution_data.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { queries } from '../../api/trpc';
import { Button, ErrorNotice } from '../../ui/kit';

/** A stored value is fetched at once up to this size; a larger one on request. */
const FETCH_AT_ONCE_BYTES = 256 * 1024;

type Entry = { alias: string; value: unknown } | { alias: string; data_id: string; size_bytes: number };

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** A value object `{type, <field>: data}` as its type and its data; anything else as JSON. */
export function ValueView({ value }: { value: unknown }) {
  if (typeof value !== 'object' || value === null || !('type' in value) || typeof value.type !== 'string') {
    return <pre className="rounded bg-slate-50 p-2 font-mono text-xs">{JSON.stringify(value, null, 2)}</pre>;
  }
  const { type, ...rest } = value as { type: string } & Record<string, unknown>;
  const data = Object.values(rest)[0];
  const scalar = typeof data === 'string' || typeof data === 'number' || typeof data === 'boolean';
  return (
    <div className="min-w-0">
      <span className="mr-2 rounded bg-slate-100 px-1.5 py-0.5 font-mono text-[11px] text-slate-700">{type}</span>
      {scalar ? (
        <span className="text-sm break-words whitespace-pre-wrap" data-testid="value-data">
          {String(data)}
        </span>
      ) : (
        <pre className="mt-1 rounded bg-slate-50 p-2 font-mono text-xs" data-testid="value-data">
          {JSON.stringify(data, null, 2)}
        </pre>
      )}
    </div>
  );
}

/** A value stored apart from the execution row, read with get_execution_data. */
function StoredValue({ revisionId, executionId, dataId, sizeBytes }: { revisionId: string; executionId: string; dataId: string; sizeBytes: number }) {
  const [asked, setAsked] = useState(sizeBytes <= FETCH_AT_ONCE_BYTES);
  const data = useQuery({
    ...queries.workflow_blobhub.get_execution_data.queryOptions({ revision_id: revisionId, execution_id: executionId, data_id: dataId }),
    enabled: asked,
  });
  if (!asked) return <Button onClick={() => setAsked(true)}>Load the value ({kib(sizeBytes)})</Button>;
  if (data.error) return <ErrorNotice error={data.error} />;
  return data.data ? <ValueView value={data.data.data.value} /> : <span className="text-xs text-slate-600">Loading {kib(sizeBytes)}…</span>;
}

/** An execution's input_data or output_data, one row per alias. */
export function DataEntries({ label, entries, revisionId, executionId }: { label: string; entries: Entry[] | null; revisionId: string; executionId: string }) {
  return (
    <div className="min-w-0" data-testid={`entries-${label}`}>
      <p className="label">{label}</p>
      {!entries || entries.length === 0 ? (
        <p className="text-sm text-slate-600">—</p>
      ) : (
        <dl className="space-y-2">
          {entries.map((entry) => (
            <div key={entry.alias} className="rounded-md border border-slate-200 p-2">
              <dt className="font-mono text-xs font-semibold text-slate-700">{entry.alias}</dt>
              <dd className="mt-1">
                {'data_id' in entry ? (
                  <StoredValue revisionId={revisionId} executionId={executionId} dataId={entry.data_id} sizeBytes={entry.size_bytes} />
                ) : (
                  <ValueView value={entry.value} />
                )}
              </dd>
            </div>
          ))}
        </dl>
      )}
    </div>
  );
}
