/**
 * What the interpreter workflow walks: a definition compiled by the worker (validate.ts) into plain
 * data. Types and pure helpers only, so that workflow code can import it without pulling in I/O.
 */
import type { RetryPolicy, ValueObject } from './model';

/** A value, or a reference to a large or persisted one in workflow_execution_data. */
export type ValueRef = ValueObject | { $ref: string };

/** Where a component runs: inside the workflow (timers, signals, children), or as an activity. */
export type RunsIn = 'workflow' | 'local_activity' | 'activity';

export interface PlanComponent {
  id: string;
  type: string;
  name: string;
  runsIn: RunsIn;
  config: unknown;
  retry?: RetryPolicy;
  timeoutMs?: number;
}

export interface PlanEdge {
  connectionId: string;
  targetId: string;
}

export interface Plan {
  components: Record<string, PlanComponent>;
  startId: string;
  /** control edges by source id, then route */
  next: Record<string, Record<string, PlanEdge[]>>;
  /** number of distinct incoming control connections (for flow.join) */
  incoming: Record<string, number>;
  /** data edges by target id: target port ← source component + port */
  dataIn: Record<string, { port: string; sourceId: string; sourcePort: string }[]>;
}

/** Identity of an execution, passed to every activity so it can record events. */
export interface ExecutionArgs {
  executionId: string;
  orgId: string;
  blobId: string;
  revisionId: string;
  sessionId: string;
  definitionId: string;
  alias: string;
  createdBy: string | null;
  /** the API key the execution was started with (credential use is checked against it) */
  createdByKeyId?: string | null;
  /** the whole execution ends `timed_out` after this long */
  timeoutSeconds?: number;
  /** it was created waiting `queued` for its blob's execution limits: the workflow waits to be admitted first */
  awaitsAdmission?: true;
}

/** What the worker's configuration tells the interpreter workflow (read by its load activity). */
export interface RunLimits {
  /** a run continues as new at its next quiet point once its history has this many events */
  historyEvents: number;
}

/** One run of one component: the unit of events and of idempotency. */
export interface ComponentRequest {
  execution: ExecutionArgs;
  component: PlanComponent;
  /** `<component id>#<n>`: the n-th visit of the component in this execution */
  visit: string;
  inputs: Record<string, ValueRef>;
}

export interface ComponentResponse {
  route: string;
  terminal: boolean;
  outputs: Record<string, ValueRef>;
}

/** Attached to an activity failure so the workflow can tell which attempt failed and why. */
export interface ComponentFailureDetails {
  attempt: number;
  kind: string;
}

export interface EventSpec {
  type: string;
  /** unique within the execution: the logical identity of the event */
  key: string;
  message?: string;
  attributes?: Record<string, unknown>;
  data?: unknown;
}

export interface ExecutionOutcome {
  status: 'succeeded' | 'failed' | 'cancelled' | 'timed_out';
  outputData?: { alias: string; value: ValueRef }[];
  error?: { message: string; component_id?: string; component_type?: string; kind?: string };
}

/** The attributes every processor.* event carries (docs/spec.md §4). */
export const processorAttributes = (c: PlanComponent) => ({ processor_id: c.id, processor_type: c.type, processor_name: c.name });

/** A component done inside the workflow at once (flow.start, flow.end, flow.join): entered and exited. */
/**
 * A component's outputs as its processor.exited event keeps them (`data.outputs`: small values
 * inline, the rest as `{$ref}`), so that rerun_execution can seed a rerun with them.
 */
export const recordedOutputs = (outputs: Record<string, ValueRef>): Pick<EventSpec, 'data'> => (Object.keys(outputs).length ? { data: { outputs } } : {});

export function instantEvents(c: PlanComponent, visit: string, route: string): EventSpec[] {
  const attributes = processorAttributes(c);
  return [
    { type: 'processor.entered', key: `${visit}:processor.entered`, attributes },
    { type: 'processor.exited', key: `${visit}:processor.exited`, attributes: { ...attributes, duration_ms: 0, route, attempt: 1 } },
  ];
}
