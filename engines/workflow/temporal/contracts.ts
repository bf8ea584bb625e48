/**
 * The contracts between the interpreter workflow and the code outside it (as the `interfaces.ts`
 * of Temporal's samples): the control activities it calls and its own signature. Types only, so
 * the workflow bundle imports no activity code and activities.ts implements what is declared here.
 */
import type { ExecutionArgs, ExecutionOutcome, EventSpec, Plan, RunLimits, ValueRef } from '../plan';
import type { CarriedState, CarriedValues } from './carry-over';

/** A flow.subworkflow's child, as the interpreter asks for it to be created. */
export interface ChildRequest {
  parent: ExecutionArgs;
  childId: string;
  alias: string;
  inputs: Record<string, ValueRef>;
  /** a definition of another workflow blob (set only then: the requests of every other child stay as they were) */
  target?: { blob: string; revision: string };
}

/** How one item of a flow.foreach ended: its child's outputs, or (`collect`) why it failed. */
export type ForeachOutcome = { outputs: Record<string, ValueRef> } | { error: string };

export interface LoadOptions {
  /** record the start component's events with the execution's start (LEAN_EXECUTION_PATCH) */
  startComponent?: true;
}

/** A flow.wait_for_event about to wait: its visit, and its key from the config or the `key` input. */
export interface EventWait {
  visit: string;
  key?: string;
  keyInput?: ValueRef;
}

/** What the interpreter workflow itself calls (as local activities). */
// a type, not an interface: the worker registers activities as an indexable record
export type ControlActivities = {
  /** the first run of an execution: its plan, and the start recorded (with `startComponent`, flow.start's events too) */
  'workflow.load'(execution: ExecutionArgs, options?: LoadOptions): Promise<{ plan: Plan; inputs: Record<string, ValueRef>; limits: RunLimits }>;
  /** a run that continues an execution (continue-as-new): its plan only */
  'workflow.resume'(execution: ExecutionArgs): Promise<{ plan: Plan; limits: RunLimits }>;
  'workflow.carry_values'(execution: ExecutionArgs, carried: CarriedValues): Promise<CarriedValues['values']>;
  'workflow.record'(execution: ExecutionArgs, events: EventSpec[]): Promise<void>;
  'workflow.create_child'(args: ChildRequest): Promise<ExecutionArgs>;
  /** a flow.foreach's items input as one value per item (large ones by reference) */
  'workflow.foreach_items'(execution: ExecutionArgs, args: { visit: string; items: ValueRef }): Promise<ValueRef[]>;
  /** a flow.foreach's outcomes as its `results` (each item's outputs by alias, in order; null for a failed one) and `errors` ([{index, message}]) */
  'workflow.foreach_results'(execution: ExecutionArgs, args: { visit: string; outcomes: ForeachOutcome[] }): Promise<Record<string, ValueRef>>;
  /** an execution waiting for its blob's execution limits asks to start: admitted, or when to ask again */
  'workflow.admit'(execution: ExecutionArgs): Promise<{ admitted: boolean; retryAfterMs?: number }>;
  /** registers the wait under its key (EVENT_WAIT_PATCH); an emit from then on signals it */
  'workflow.start_event_wait'(execution: ExecutionArgs, wait: EventWait): Promise<{ key: string }>;
  'workflow.end_event_wait'(execution: ExecutionArgs, visit: string): Promise<void>;
  /** the closing events (after `before`, the events of the component that ended it) and the final row; returns the outcome as recorded */
  'workflow.finish'(execution: ExecutionArgs, outcome: ExecutionOutcome, before?: EventSpec[]): Promise<ExecutionOutcome>;
};

/** The interpreter workflow (workflows.ts `blobhubExecution`), which a flow.subworkflow runs as its child. */
export type ExecutionWorkflow = (execution: ExecutionArgs, carried?: CarriedState) => Promise<ExecutionOutcome>;
