/**
 * An EventBridge cron expression (`min hour day-of-month month day-of-week year`) built from
 * presets or field by field, with the next five fire times as the server computes them.
 */
import { useQuery } from '@tanstack/react-query';
import { useDeferredValue } from 'react';
import { queries } from '../../api/trpc';
import { ErrorNotice, Field } from '../../ui/kit';

const cronFields = ['Minutes', 'Hours', 'Day of month', 'Month', 'Day of week', 'Year'] as const;

export const cronPresets: { label: string; expression: string }[] = [
  { label: 'Every 5 minutes', expression: '0/5 * * * ? *' },
  { label: 'Every hour', expression: '0 * * * ? *' },
  { label: 'Every day at 09:00', expression: '0 9 * * ? *' },
  { label: 'Weekdays at 09:00', expression: '0 9 ? * MON-FRI *' },
  { label: 'First day of the month at 00:00', expression: '0 0 1 * ? *' },
];

/** The expression's six fields; a missing field reads as `*` while the person is typing. */
const fieldsOf = (expression: string) => {
  const parts = expression.trim().split(/\s+/);
  return cronFields.map((_, i) => parts[i] ?? '*');
};

export function CronBuilder({
  revisionId,
  expression,
  timezone,
  onChange,
}: {
  revisionId: string;
  expression: string;
  timezone: string;
  onChange: (expression: string) => void;
}) {
  const fields = fieldsOf(expression);
  const setField = (index: number, value: string) => onChange(fields.map((f, i) => (i === index ? value.trim() || '*' : f)).join(' '));
  const askedExpression = useDeferredValue(expression);
  const askedZone = useDeferredValue(timezone);
  const preview = useQuery({
    ...queries.scheduler_blobhub.preview_schedule.queryOptions({ revision_id: revisionId, cron_expression: askedExpression, timezone: askedZone, count: 5 }),
    enabled: Boolean(expression.trim() && timezone),
    retry: false,
  });
  return (
    <div className="space-y-3 rounded-md border border-slate-200 p-3">
      <Field label="Preset">
        <select
          className="input"
          value={cronPresets.find((p) => p.expression === expression)?.expression ?? ''}
          onChange={(e) => e.target.value && onChange(e.target.value)}
        >
          <option value="">Custom</option>
          {cronPresets.map((p) => (
            <option key={p.expression} value={p.expression}>
              {p.label}
            </option>
          ))}
        </select>
      </Field>
      <div className="grid grid-cols-3 gap-2">
        {cronFields.map((label, i) => (
          <Field key={label} label={label}>
            <input className="input font-mono" value={fields[i]} onChange={(e) => setField(i, e.target.value)} />
          </Field>
        ))}
      </div>
      <Field label="Cron expression" hint="EventBridge: one of the two day fields must be ?">
        <input className="input font-mono" value={expression} onChange={(e) => onChange(e.target.value)} />
      </Field>
      <ErrorNotice error={preview.error} />
      {preview.data && (
        <div data-testid="next-fire-times">
          <p className="label">Next fire times ({timezone})</p>
          <FireTimes times={preview.data.next_fire_times} timezone={timezone} />
        </div>
      )}
    </div>
  );
}

/** Fire times in the schedule's zone, with the viewer's local time beside them. */
export function FireTimes({ times, timezone }: { times: string[]; timezone: string }) {
  const inZone = new Intl.DateTimeFormat(undefined, { timeZone: timezone, dateStyle: 'medium', timeStyle: 'short' });
  return (
    <ol className="list-decimal space-y-0.5 pl-5 text-sm text-slate-700">
      {times.map((t) => (
        <li key={t}>
          {inZone.format(new Date(t))} <span className="text-xs text-slate-500">({new Date(t).toLocaleString()} local)</span>
        </li>
      ))}
    </ol>
  );
}
