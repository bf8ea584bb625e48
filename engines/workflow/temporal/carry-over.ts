/**
 * What one run of the interpreter workflow hands to the next when it continues as new, and the
 * per-task budget of local-activity results. Pure: workflow-safe.
 */
import { workflowInfo } from '@temporalio/workflow';
import type { PlanEdge, ValueRef } from '../plan';
import type { ExecutionSignal } from './signals';

/** Continue-as-new and the per-task budget: histories recorded before them replay without either. */
export const LONG_RUN_PATCH = 'blobhub-long-run';

/**
 * Executions at less cost: the start and end components' events recorded by the load and finish
 * activities (two local activities fewer), and components with a long timeout_ms run as regular
 * activities. Histories recorded before replay without either.
 */
export const LEAN_EXECUTION_PATCH = 'blobhub-lean-execution';

/**
 * Components run inside the workflow (flow.wait, flow.subworkflow) keep their outputs on their
 * processor.exited event, as activity components do, so that a rerun can reuse them.
 */
export const RECORDED_OUTPUTS_PATCH = 'blobhub-recorded-outputs';

export interface CarriedValues {
  /** the latest output of each component by port */
  values: Record<string, Record<string, ValueRef>>;
  /** visits per component: event dedupe keys and data ids go on counting from here */
  visits: Record<string, number>;
}

/** The walk at a quiet point (one path live, between two components), as the next run starts it. */
export interface CarriedWalk extends CarriedValues {
  /** the control connection the live path follows next */
  resumeAt: PlanEdge;
  /** flow.join components some paths have reached, by the connections they came in on */
  joins: Record<string, { arrived: string[]; fired: boolean }>;
  /** workflow time (ms since epoch) at which the execution's timeout_seconds runs out */
  deadline?: number;
}

export interface CarriedState extends CarriedWalk {
  /** signals received that no flow.wait has consumed yet */
  signals: ExecutionSignal[];
}

/**
 * Local activities complete inside the workflow task that runs them, and all their results reach
 * Temporal in the one message that completes the task (refused above 4 MiB). Past this many
 * characters of results, or this many local activities, the next one runs as an ordinary
 * activity, which ends the task.
 */
const TASK_RESULT_CHARS = 512 * 1024;
const TASK_LOCAL_ACTIVITIES = 200;

export class TaskBudget {
  /** the history length names the workflow task: it changes when a new task starts */
  private task = workflowInfo().historyLength;
  private chars = 0;
  private count = 0;

  /** a local activity's result joined the current workflow task */
  spend(result: unknown): void {
    this.sync();
    this.count++;
    this.chars += JSON.stringify(result ?? null).length;
  }

  /** history events the current task will add when it completes (one marker per local activity) */
  get eventsInTask(): number {
    this.sync();
    return this.count;
  }

  /** whether one more local activity could make the task's message too big */
  get exhausted(): boolean {
    this.sync();
    return this.chars >= TASK_RESULT_CHARS || this.count >= TASK_LOCAL_ACTIVITIES;
  }

  private sync() {
    const task = workflowInfo().historyLength;
    if (task === this.task) return;
    this.task = task;
    this.chars = 0;
    this.count = 0;
  }
}
