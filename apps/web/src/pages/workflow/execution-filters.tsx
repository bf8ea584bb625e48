/**
 * The executions list's filters, kept in the page's URL (so that a link reproduces the view) and
 * turned into list_executions' own filters (docs/spec.md §4 "Run history search").
 */
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent, type ReactNode } from 'react';
import { useSearchParams } from 'react-router';
import { queries } from '../../api/trpc';
import type { ExecutionStatus } from '../../api/workflow';
import { Button, Field, Options } from '../../ui/kit';

export const executionStatuses: ExecutionStatus[] = ['pending', 'running', 'succeeded', 'failed', 'cancelled', 'timed_out'];
const triggers = ['manual', 'schedule', 'webhook'] as const;

/** The URL parameters, each the list filter it sets; `from` and `to` are calendar days (local time), both included. */
const filterNames = ['search', 'status', 'from', 'to', 'component_failed', 'trigger', 'started_by'] as const;
type FilterName = (typeof filterNames)[number];
export type ExecutionFilterValues = Partial<Record<FilterName, string>>;

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value);
const oneOf = <T extends string>(values: readonly T[], value: string | undefined): T | undefined => values.find((v) => v === value);
/** Local midnight starting the day `day` (YYYY-MM-DD) plus `days` days, in epoch ms. */
const midnight = (day: string, days = 0) => {
  const date = new Date(`${day}T00:00:00`);
  date.setDate(date.getDate() + days);
  return date.getTime();
};

/** The filters in the URL, and a setter that keeps the other parameters (the revision) and drops empty values. */
export function useExecutionFilters() {
  const [params, setParams] = useSearchParams();
  const values: ExecutionFilterValues = Object.fromEntries(filterNames.flatMap((name) => (params.get(name) ? [[name, params.get(name)!]] : [])));
  const set = (changes: ExecutionFilterValues) =>
    setParams((current) => {
      const next = new URLSearchParams(current);
      for (const [name, value] of Object.entries(changes)) {
        if (value) next.set(name, value);
        else next.delete(name);
      }
      return next;
    });
  const clear = () => set(Object.fromEntries(filterNames.map((name) => [name, undefined])));
  return { values, set, clear, active: Object.keys(values).length > 0 };
}

/** list_executions' parameters for the URL's filters; values the list would refuse (a day that is no date) are left out. */
export function listFiltersOf(values: ExecutionFilterValues) {
  return {
    search: values.search,
    status: oneOf(executionStatuses, values.status),
    trigger: oneOf(triggers, values.trigger),
    component_failed: values.component_failed,
    started_by: values.started_by,
    // strictly after the moment before the first day, strictly before the day after the last
    created_since: values.from && isDay(values.from) ? midnight(values.from) - 1 : undefined,
    created_before: values.to && isDay(values.to) ? midnight(values.to, 1) : undefined,
  };
}

/** Who may have started runs: the org's members (a reader of one blob may not list them; then the field offers no names). */
function useStarters(org: string) {
  const members = useQuery({ ...queries.members.list.queryOptions({ target: 'orgs', target_id: org, limit: 100 }), retry: false });
  return members.data?.members.map((m) => ({ id: m.user_id, name: m.name })) ?? [];
}

/** The filter bar: choices apply at once, typed text when submitted (Enter or Search). */
export function ExecutionFilterBar({ org, filters }: { org: string; filters: ReturnType<typeof useExecutionFilters> }) {
  const { values, set, clear, active } = filters;
  const starters = useStarters(org);
  const [typed, setTyped] = useState({ search: values.search ?? '', component_failed: values.component_failed ?? '' });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    set({ search: typed.search.trim(), component_failed: typed.component_failed.trim() });
  };
  const choice = (name: FilterName, label: string, className: string, options: ReactNode) => (
    <Field label={label}>
      <select className={`input ${className}`} value={values[name] ?? ''} onChange={(e) => set({ [name]: e.target.value })}>
        {options}
      </select>
    </Field>
  );
  const day = (name: 'from' | 'to', label: string) => (
    <Field label={label}>
      <input className="input w-40" type="date" value={values[name] ?? ''} onChange={(e) => set({ [name]: e.target.value })} />
    </Field>
  );
  return (
    <form className="mb-4 flex flex-wrap items-end gap-3" role="search" aria-label="Filter executions" onSubmit={submit}>
      <div className="min-w-48 flex-1">
        <Field label="Search">
          <input
            className="input"
            type="search"
            placeholder="execution id or definition"
            value={typed.search}
            onChange={(e) => setTyped({ ...typed, search: e.target.value })}
          />
        </Field>
      </div>
      <Field label="Failed component">
        <input
          className="input w-40"
          placeholder="id or name"
          value={typed.component_failed}
          onChange={(e) => setTyped({ ...typed, component_failed: e.target.value })}
        />
      </Field>
      <Button type="submit">Search</Button>
      {choice(
        'status',
        'Status',
        'w-36',
        <>
          <option value="">Any status</option>
          <Options values={executionStatuses} />
        </>,
      )}
      {choice(
        'trigger',
        'Trigger',
        'w-32',
        <>
          <option value="">Any trigger</option>
          <Options values={triggers} />
        </>,
      )}
      {choice(
        'started_by',
        'Started by',
        'w-40',
        <>
          <option value="">Anyone</option>
          {starters.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
          {values.started_by && !starters.some((s) => s.id === values.started_by) && <option value={values.started_by}>{values.started_by}</option>}
        </>,
      )}
      {day('from', 'From')}
      {day('to', 'To')}
      {active && (
        <Button
          onClick={() => {
            setTyped({ search: '', component_failed: '' });
            clear();
          }}
        >
          Clear filters
        </Button>
      )}
    </form>
  );
}
