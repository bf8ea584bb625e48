/** Folds an execution's events into one row per component run: state, route, time, logs, errors. */
import type { ExecutionEvent } from '../../api/workflow';

export interface ComponentRun {
  id: string;
  name: string;
  type: string;
  state: 'running' | 'exited' | 'error';
  route?: string;
  durationMs?: number;
  attempt?: number;
  logs: string[];
  dataOutputs: { route: string; dataId: string }[];
  errors: string[];
}

type Attributes = { processor_id?: string; processor_name?: string; processor_type?: string; route?: string; duration_ms?: number; attempt?: number };

export function componentRuns(events: ExecutionEvent[]): ComponentRun[] {
  const runs = new Map<string, ComponentRun>();
  for (const event of events) {
    const attrs = (event.attributes ?? {}) as Attributes;
    if (!event.type.startsWith('processor.') || !attrs.processor_id) continue;
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
    if (event.type === 'processor.entered') run.state = 'running';
    if (event.type === 'processor.exited') Object.assign(run, { state: 'exited', route: attrs.route, durationMs: attrs.duration_ms, attempt: attrs.attempt });
    if (event.type === 'processor.error') {
      run.state = 'error';
      run.errors.push(event.message ?? 'failed');
    }
    if (event.type === 'processor.output') {
      const dataId = (event.data as { data_id?: string } | null)?.data_id;
      if (dataId) run.dataOutputs.push({ route: attrs.route ?? '', dataId });
      else if (event.message) run.logs.push(event.message);
    }
  }
  return [...runs.values()];
}

/** The execution's status as its events tell it: ahead of a re-read of the execution itself. */
export function liveStatus(events: ExecutionEvent[]): string | undefined {
  let status: string | undefined;
  for (const event of events) {
    if (event.type === 'execution_started') status = 'running';
    if (event.type === 'execution_ended') status = (event.attributes as { status?: string } | null)?.status;
  }
  return status;
}
