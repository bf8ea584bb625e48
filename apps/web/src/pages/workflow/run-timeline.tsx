/**
 * The run as a timeline of its components, as Temporal UI draws a workflow's activities: one bar
 * per component from entering to exiting, on the execution's own time axis, growing while it runs.
 */
import { Duration } from '../../ui/kit';
import { runBadge, type ComponentRun } from './components';

const barLooks: Record<ComponentRun['state'], string> = {
  running: 'bg-sky-500 animate-pulse',
  exited: 'bg-emerald-500',
  error: 'bg-red-500',
  cancelled: 'bg-slate-400',
};

export function RunTimeline({ runs, start, end }: { runs: ComponentRun[]; start: string | null; end: string | null }) {
  const timed = runs.filter((r) => r.startedAt);
  if (!start || timed.length === 0) return <p className="text-sm text-slate-600">No component has run yet.</p>;
  const from = Date.parse(start);
  // a component still running (or stopped with the run) ends at the run's end, or now
  const until = (run: ComponentRun) => Date.parse(run.endedAt ?? end ?? new Date().toISOString());
  const span = Math.max(1, Math.max(...timed.map(until), end ? Date.parse(end) : Date.now()) - from);
  const share = (ms: number) => `${Math.min(100, Math.max(0, (ms / span) * 100))}%`;
  return (
    <ol className="space-y-2" data-testid="run-timeline">
      {timed.map((run) => {
        const left = Date.parse(run.startedAt!) - from;
        return (
          <li key={run.id} className="grid grid-cols-[minmax(0,12rem)_1fr_auto] items-center gap-2 text-xs" data-testid={`timeline-${run.id}`}>
            <span className="font-medium break-words" title={`${run.name} (${run.type})`}>
              {run.name}
            </span>
            <span className="relative h-3 rounded bg-slate-100" aria-hidden>
              <span
                className={`absolute inset-y-0 min-w-1 rounded ${barLooks[run.state]}`}
                style={{ left: share(left), width: share(until(run) - Date.parse(run.startedAt!)) }}
              />
            </span>
            <span className="text-slate-600">
              <Duration start={run.startedAt} end={run.endedAt ?? end} />
              <span className="sr-only"> ({runBadge(run.state)})</span>
            </span>
          </li>
        );
      })}
    </ol>
  );
}
