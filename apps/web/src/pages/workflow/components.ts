/** Folds an execution's events into one row per component run: state, route, time, logs, errors. */
import type { ExecutionEvent } from '../../api/workflow';

export interface ComponentRun {
  id: string;
  name: string;
  type: string;
  /** `cancelled`: still running when the execution ended (cancelled, timed out or failed elsewhere) */
  state: 'running' | 'exited' | 'error' | 'cancelled';
  route?: string;
  /** when it was entered, and when it exited or failed (ISO; unset while it runs) */
  startedAt?: string;
  endedAt?: string;
  durationMs?: number;
  attempt?: number;
  logs: string[];
  dataOutputs: { route: string; dataId: string }[];
  errors: string[];
}

type Attributes = { processor_id?: string; processor_name?: string; processor_type?: string; route?: string; duration_ms?: number; attempt?: number };

/**
 * The component runs; `executionStatus` is the execution's own (from its row or its events): once
 * it has ended, a run that never exited was stopped with it, e.g. cancelled inside a `flow.delay`.
 */
export function componentRuns(events: ExecutionEvent[], executionStatus?: string): ComponentRun[] {
  const runs = new Map<string, ComponentRun>();
  for (const event of events) {
    const attrs = (event.attributes ?? {}) as Attributes;
    if (!event.type.startsWith('processor.') || !attrs.processor_id) continue;
    // events carry integer milliseconds (docs/spec.md); the runs keep ISO times, as the execution row does
    const at = new Date(event.created_at).toISOString();
    let run = runs.get(attrs.processor_id);
    if (!run) {
      run = {
        id: attrs.processor_id,
        name: attrs.processor_name ?? attrs.processor_id,
        type: attrs.processor_type ?? '',
        state: 'running',
        logs: [],
        dataOutputs: [],
        errors: [],
      };
      runs.set(run.id, run);
    }
    if (event.type === 'processor.entered') Object.assign(run, { state: 'running', startedAt: at, endedAt: undefined });
    if (event.type === 'processor.exited')
      Object.assign(run, { state: 'exited', route: attrs.route, durationMs: attrs.duration_ms, attempt: attrs.attempt, endedAt: at });
    if (event.type === 'processor.error') {
      Object.assign(run, { state: 'error', endedAt: at });
      run.errors.push(event.message ?? 'failed');
    }
    if (event.type === 'processor.output') {
      const dataId = (event.data as { data_id?: string } | null)?.data_id;
      if (dataId) run.dataOutputs.push({ route: attrs.route ?? '', dataId });
      else if (event.message) run.logs.push(event.message);
    }
  }
  const list = [...runs.values()];
  if (executionStatus && endedStatuses.has(executionStatus)) for (const run of list) if (run.state === 'running') run.state = 'cancelled';
  return list;
}

export const endedStatuses = new Set(['succeeded', 'failed', 'cancelled', 'timed_out']);

/** A run's state as a status badge says it. */
export const runBadge = (state: ComponentRun['state']) => ({ running: 'running', exited: 'succeeded', error: 'failed', cancelled: 'cancelled' })[state];

/** The execution's status as its events tell it: ahead of a re-read of the execution itself. */
export function liveStatus(events: ExecutionEvent[]): string | undefined {
  let status: string | undefined;
  for (const event of events) {
    if (event.type === 'execution_started') status = 'running';
    if (event.type === 'execution_ended') status = (event.attributes as { status?: string } | null)?.status;
  }
  return status;
}
