/** The walk of one execution's plan, inside the interpreter workflow (deterministic: workflow APIs only). */
import { ApplicationFailure, CancellationScope, condition, executeChild, isCancellation, patched, sleep, workflowInfo } from '@temporalio/workflow';
import type { ForeachConfig, SubworkflowConfig, WaitConfig } from '../components/flow';
import type { WaitForEventConfig } from '../components/wait-for-event';
import {
  instantEvents,
  processorAttributes,
  recordedOutputs,
  type ComponentRequest,
  type ComponentResponse,
  type EventSpec,
  type ExecutionArgs,
  type ExecutionOutcome,
  type Plan,
  type PlanComponent,
  type PlanEdge,
  type RunLimits,
  type ValueRef,
} from '../plan';
import { componentActivity, control, controlAsActivity, type ComponentActivity } from './activity-stubs';
import { RECORDED_OUTPUTS_PATCH, TaskBudget, type CarriedState, type CarriedWalk } from './carry-over';
import type { ExecutionWorkflow, ForeachOutcome } from './contracts';
import { ComponentFailed, ExecutionTimedOut, failureInfo, type FailureInfo } from './failures';
import { executionSearchAttributes } from './search-attributes';
import { eventSignalName, waitSignalName, type DeliveredEvent, type ExecutionSignal } from './signals';
import { componentSummary, executionUiMetadata } from './ui-metadata';

/**
 * An `exe_` ULID from workflow time and the workflow's seeded Math.random, so that a replay
 * creates the same child id.
 */
function childExecutionId(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++, time = Math.floor(time / 32)) head = alphabet[time % 32] + head;
  const tail = Array.from({ length: 16 }, () => alphabet[Math.floor(Math.random() * 32)]).join('');
  return `exe_${head}${tail}`;
}

type OutputData = NonNullable<ExecutionOutcome['outputData']>;

/**
 * How a run's walk ends: the execution's outputs (and, when lean, the events of the flow.end that
 * ended it, for workflow.finish to record), or its state handed to the next run (continue-as-new).
 */
export type WalkResult = { outputData: OutputData; closing?: EventSpec[] } | { carry: CarriedWalk };

/**
 * A component with a time limit above this runs as a regular activity even where its type runs as
 * a local one (LEAN_EXECUTION_PATCH): a local activity holds the workflow task open while it runs,
 * and Temporal expects a workflow task to end within seconds (TMPRL1104 warns past 5 s).
 */
export const LOCAL_COMPONENT_MAX_TIMEOUT_MS = 5_000;

/**
 * flow.wait_for_event waits inside the workflow: it registers its visit, waits for the event's
 * signal and unregisters. Code from before ran every type it did not know as an activity, so a
 * history recorded by it replays down that path.
 */
export const EVENT_WAIT_PATCH = 'blobhub-wait-for-event';

/** A run that may continue as new and keeps each workflow task within budget (behind LONG_RUN_PATCH). */
export interface LongRun {
  limits: RunLimits;
  /** the state the previous run handed over, when this run continues one */
  carried?: CarriedState;
}

export class Interpreter {
  private values: Record<string, Record<string, ValueRef>> = {};
  private visits: Record<string, number> = {};
  private joins: Record<string, { arrived: Set<string>; fired: boolean }> = {};
  private activities: Record<string, ComponentActivity> = {};
  private scope = new CancellationScope();
  private pending = 0;
  private settled = false;
  private deadline?: number;
  private budget?: TaskBudget;
  /** lean: flow.start's events were recorded by the load activity (its first visit records none) */
  private startRecorded: boolean;
  private resolve!: (result: WalkResult) => void;
  private reject!: (err: unknown) => void;

  constructor(
    private execution: ExecutionArgs,
    private plan: Plan,
    private startInputs: Record<string, ValueRef>,
    private signals: ExecutionSignal[],
    /** the interpreter workflow itself, which a flow.subworkflow runs as its child (handed in by workflows.ts) */
    private childWorkflow: ExecutionWorkflow,
    private longRun?: LongRun,
    /** LEAN_EXECUTION_PATCH: start and end events folded into load and finish, long components as activities */
    private lean = false,
  ) {
    // a run that continues another starts past flow.start
    this.startRecorded = lean && !longRun?.carried;
    if (!longRun) return;
    this.budget = new TaskBudget();
    const carried = longRun.carried;
    if (!carried) return;
    this.values = carried.values;
    this.visits = carried.visits;
    for (const [id, join] of Object.entries(carried.joins)) this.joins[id] = { arrived: new Set(join.arrived), fired: join.fired };
  }

  run(): Promise<WalkResult> {
    const done = new Promise<WalkResult>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const timeout = this.execution.timeoutSeconds;
    if (timeout !== undefined) {
      const carriedDeadline = this.longRun?.carried?.deadline;
      const ms = carriedDeadline === undefined ? Math.round(timeout * 1000) : Math.max(1, carriedDeadline - Date.now());
      this.deadline = Date.now() + ms;
      // a timer in the walk's scope: cancelled with everything else once the execution is decided
      this.scope
        .run(() => sleep(ms, { summary: 'execution timeout' }))
        .then(
          () => this.timeOut(),
          () => undefined,
        );
    }
    const resumeAt = this.longRun?.carried?.resumeAt;
    if (resumeAt) this.arrive(resumeAt);
    else this.spawn(this.plan.startId);
    return done;
  }

  private timeOut() {
    this.settle(() => this.reject(new ExecutionTimedOut(`the execution ran longer than its timeout of ${this.execution.timeoutSeconds} s`)));
  }

  /**
   * Past the deadline already: a timer only fires once its workflow task ends, and a run of local
   * activities may continue as new before that, so the walk checks the clock between components too.
   */
  private pastDeadline(): boolean {
    return this.longRun !== undefined && this.deadline !== undefined && Date.now() >= this.deadline;
  }

  private finishWith(outputData: OutputData, closing?: EventSpec[]) {
    this.settle(() => this.resolve(closing ? { outputData, closing } : { outputData }));
  }

  private settle(fn: () => void) {
    if (this.settled) return;
    this.settled = true;
    fn();
    // the execution is decided: stop the paths still running
    this.scope.cancel();
  }

  private spawn(id: string) {
    this.pending++;
    this.scope
      .run(() => this.visit(id))
      .then(
        () => {
          if (--this.pending === 0) this.settle(() => this.quiesced());
        },
        (err) => this.settle(() => this.reject(err)),
      );
  }

  /** Every path ended without reaching flow.end: fine, unless a join still waits for paths. */
  private quiesced() {
    const waiting = Object.entries(this.joins).find(([, j]) => j.arrived.size > 0 && !j.fired);
    if (!waiting) return this.resolve({ outputData: [] });
    const c = this.component(waiting[0]);
    this.reject(
      new ComponentFailed({
        message: `flow.join ${c.id} waited for ${this.plan.incoming[c.id]} paths but only ${waiting[1].arrived.size} arrived`,
        component_id: c.id,
        component_type: c.type,
        kind: 'dead_end',
      }),
    );
  }

  private arrive(edge: PlanEdge) {
    const target = this.component(edge.targetId);
    if (target.type === 'flow.join') {
      const join = (this.joins[target.id] ??= { arrived: new Set(), fired: false });
      join.arrived.add(edge.connectionId);
      const all = join.arrived.size >= (this.plan.incoming[target.id] ?? 0);
      const fire = (target.config as { mode: 'all' | 'any' }).mode === 'any' ? !join.fired : all;
      if (fire) join.fired = true;
      if (all) delete this.joins[target.id];
      if (!fire) return;
    }
    this.spawn(edge.targetId);
  }

  /** A component of the plan; validation made every edge and join name one, so a miss is a bug. */
  private component(id: string): PlanComponent {
    const c = this.plan.components[id];
    if (!c) throw new Error(`the plan has no component ${id}`);
    return c;
  }

  private inputsOf(id: string): Record<string, ValueRef> {
    const inputs: Record<string, ValueRef> = {};
    for (const d of this.plan.dataIn[id] ?? []) {
      const value = this.values[d.sourceId]?.[d.sourcePort];
      if (value) inputs[d.port] = value;
    }
    return inputs;
  }

  private async visit(id: string) {
    const c = this.component(id);
    const visit = `${id}#${(this.visits[id] = (this.visits[id] ?? 0) + 1)}`;
    const inputs = this.inputsOf(id);
    const startedAt = Date.now();
    let response: ComponentResponse;
    try {
      response = await this.runComponent(c, visit, inputs);
    } catch (err) {
      if (isCancellation(err) || err instanceof ComponentFailed) throw err;
      response = await this.failed(c, visit, failureInfo(err, c), startedAt);
    }
    this.values[id] = { ...this.values[id], ...response.outputs };
    if (c.type === 'flow.end') {
      const outputData = Object.entries(inputs).map(([alias, value]) => ({ alias, value }));
      return this.finishWith(outputData, this.lean ? instantEvents(c, visit, response.route) : undefined);
    }
    if (response.terminal) return this.finishWith([]);
    if (this.pastDeadline()) return this.timeOut();
    const edges = this.plan.next[id]?.[response.route] ?? [];
    const [only] = edges;
    if (only && edges.length === 1 && this.continueAsNewDue()) return this.settle(() => this.resolve({ carry: this.walkAt(only) }));
    for (const edge of edges) this.arrive(edge);
  }

  /** Temporal suggests a fresh history, or the run reached its limit, and this is a quiet point: the one live path, between components. */
  private continueAsNewDue(): boolean {
    if (!this.longRun || !this.budget || this.pending !== 1) return false;
    const info = workflowInfo();
    // historyLength counts up to the current task's start: its local-activity markers come on top
    return info.continueAsNewSuggested || info.historyLength + this.budget.eventsInTask >= this.longRun.limits.historyEvents;
  }

  private walkAt(resumeAt: PlanEdge): CarriedWalk {
    const joins = Object.fromEntries(Object.entries(this.joins).map(([id, j]) => [id, { arrived: [...j.arrived], fired: j.fired }]));
    return { resumeAt, values: this.values, visits: this.visits, joins, deadline: this.deadline };
  }

  /**
   * The failure route when connected; otherwise processor.error and the execution fails. Its
   * processor.entered goes with it (stored once by key): the last attempt may have failed before
   * storing it, when the database failed under the component's own failure.
   */
  private async failed(c: PlanComponent, visit: string, info: FailureInfo, startedAt: number): Promise<ComponentResponse> {
    const attributes = processorAttributes(c);
    const entered: EventSpec = { type: 'processor.entered', key: `${visit}:processor.entered`, attributes };
    if (this.plan.next[c.id]?.failure) {
      await this.record([
        entered,
        {
          type: 'processor.exited',
          key: `${visit}:processor.exited`,
          message: info.message,
          attributes: { ...attributes, duration_ms: Date.now() - startedAt, route: 'failure', attempt: info.attempt, error: info.message, kind: info.kind },
        },
      ]);
      return { route: 'failure', terminal: false, outputs: { error: { type: 'text', text: info.message } } };
    }
    await this.record([
      entered,
      {
        type: 'processor.error',
        key: `${visit}:processor.error`,
        message: info.message,
        attributes: { ...attributes, attempt: info.attempt, kind: info.kind },
      },
    ]);
    throw new ComponentFailed({
      message: `${c.type} ${c.id} (${c.name}) failed: ${info.message}`,
      component_id: c.id,
      component_type: c.type,
      kind: info.kind,
    });
  }

  // not async: the walk before LONG_RUN_PATCH must take the same promise steps it always took
  private record(events: EventSpec[]): Promise<void> {
    const budget = this.budget;
    if (!budget) return control['workflow.record'](this.execution, events);
    if (budget.exhausted) return controlAsActivity['workflow.record'](this.execution, events);
    return control['workflow.record'](this.execution, events).then(() => budget.spend(undefined));
  }

  private runComponent(c: PlanComponent, visit: string, inputs: Record<string, ValueRef>): Promise<ComponentResponse> {
    switch (c.type) {
      case 'flow.start':
        if (this.startRecorded) {
          this.startRecorded = false;
          return Promise.resolve({ route: 'success', terminal: false, outputs: this.startInputs });
        }
        return this.instant(c, visit, { route: 'success', terminal: false, outputs: this.startInputs });
      case 'flow.end':
        // lean: its events go with the execution's end (finishWith)
        if (this.lean) return Promise.resolve({ route: 'end', terminal: true, outputs: {} });
        return this.instant(c, visit, { route: 'end', terminal: true, outputs: {} });
      case 'flow.join':
        return this.instant(c, visit, { route: 'success', terminal: false, outputs: inputs });
      case 'flow.delay':
        return this.around(c, visit, async () => {
          await sleep(Math.round((c.config as { seconds: number }).seconds * 1000), { summary: componentSummary(c) });
          return { route: 'success', terminal: false, outputs: {} };
        });
      case 'flow.wait':
        return this.around(c, visit, () => this.wait(c));
      case 'flow.subworkflow':
        return this.around(c, visit, () => this.subworkflow(c, inputs));
      case 'flow.foreach':
        return this.around(c, visit, () => this.foreach(c, visit, inputs));
      case 'flow.wait_for_event':
        if (patched(EVENT_WAIT_PATCH)) return this.around(c, visit, () => this.waitForEvent(c, visit, inputs));
        return this.runActivity(c, { execution: this.execution, component: c, visit, inputs });
      default:
        return this.runActivity(c, { execution: this.execution, component: c, visit, inputs });
    }
  }

  /**
   * A local-activity component runs as an ordinary activity when the current workflow task's
   * budget is spent, or (lean) when its time limit is long.
   */
  private runActivity(c: PlanComponent, request: ComponentRequest): Promise<ComponentResponse> {
    const budget = this.budget;
    const long = this.lean && (c.timeoutMs ?? 0) > LOCAL_COMPONENT_MAX_TIMEOUT_MS;
    const runsIn = c.runsIn === 'local_activity' && (budget?.exhausted || long) ? 'activity' : c.runsIn;
    const activity = (this.activities[`${c.id}:${runsIn}`] ??= componentActivity(c, runsIn));
    const response = activity(request);
    if (!budget || runsIn !== 'local_activity') return response;
    return response.then(
      (r) => (budget.spend(r), r),
      (err: unknown) => {
        // a failure is recorded in the task too (its message is cut short by the activity)
        budget.spend((err as Error).message);
        throw err;
      },
    );
  }

  private async wait(c: PlanComponent): Promise<ComponentResponse> {
    const config = c.config as WaitConfig;
    const name = waitSignalName(config);
    const arrived = () => this.signals.some((s) => s.name === name);
    const timeout = config.timeout_seconds === undefined ? undefined : Math.round(config.timeout_seconds * 1000);
    const ok =
      timeout === undefined ? (await condition(arrived), true) : await condition(arrived, timeout, { summary: `${componentSummary(c)} waits for ${name}` });
    if (!ok) return { route: 'timeout', terminal: false, outputs: {} };
    const signal = this.signals.splice(
      this.signals.findIndex((s) => s.name === name),
      1,
    )[0];
    // the condition above held, so a signal of this name is queued
    if (!signal) throw new Error(`no ${name} signal arrived`);
    return { route: 'success', terminal: false, outputs: { payload: { type: 'json', json: signal.payload ?? null } } };
  }

  /**
   * Registered before it waits, so that every event emitted from then on reaches it (one emitted
   * earlier does not); unregistered once it has its event or timed out.
   */
  private async waitForEvent(c: PlanComponent, visit: string, inputs: Record<string, ValueRef>): Promise<ComponentResponse> {
    const config = c.config as WaitForEventConfig;
    const { key } = await this.controlStep((activities) =>
      activities['workflow.start_event_wait'](this.execution, { visit, key: config.key, keyInput: inputs.key }),
    );
    const name = eventSignalName(visit);
    const arrived = () => this.signals.some((s) => s.name === name);
    const timeout = config.timeout_seconds === undefined ? undefined : Math.round(config.timeout_seconds * 1000);
    const summary = `${componentSummary(c)} waits for event ${key}`;
    const ok = timeout === undefined ? (await condition(arrived), true) : await condition(arrived, timeout, { summary });
    await this.controlStep((activities) => activities['workflow.end_event_wait'](this.execution, visit));
    if (!ok) return { route: 'timeout', terminal: false, outputs: {} };
    const [signal] = this.signals.splice(
      this.signals.findIndex((s) => s.name === name),
      1,
    );
    // the condition above held, so this visit's event is queued
    if (!signal) throw new Error(`no event for ${visit} arrived`);
    const event = signal.payload as DeliveredEvent;
    return {
      route: 'success',
      terminal: false,
      outputs: { payload: { type: 'json', json: event.payload ?? null }, event_id: { type: 'text', text: event.event_id } },
    };
  }

  /** A control activity, as an ordinary activity once the task's budget of local ones is spent. */
  private async controlStep<T>(step: (activities: typeof control) => Promise<T>): Promise<T> {
    const budget = this.budget;
    if (budget?.exhausted) return step(controlAsActivity);
    const result = await step(control);
    budget?.spend(result);
    return result;
  }

  private async subworkflow(c: PlanComponent, inputs: Record<string, ValueRef>): Promise<ComponentResponse> {
    return { route: 'success', terminal: false, outputs: await this.runChild(c.config as SubworkflowConfig, inputs) };
  }

  /**
   * flow.foreach: one child per item, at most `parallelism` at once, their outputs gathered in the
   * items' order. A failed item fails the component and cancels the others (`fail_fast`), or is
   * listed in `errors` (`collect`). Items and results go by reference when large (activities.ts).
   */
  private async foreach(c: PlanComponent, visit: string, inputs: Record<string, ValueRef>): Promise<ComponentResponse> {
    const config = c.config as ForeachConfig;
    const { items: list, ...shared } = inputs;
    if (!list) throw ApplicationFailure.nonRetryable(`flow.foreach ${c.id} has no items input`, 'missing_input');
    const items = await control['workflow.foreach_items'](this.execution, { visit, items: list });
    const outcomes: ForeachOutcome[] = [];
    let next = 0;
    const lane = async () => {
      while (next < items.length) {
        const i = next++;
        outcomes[i] = await this.runChild(config, { ...shared, [config.item_input]: items[i]! }).then(
          (outputs) => ({ outputs }),
          (err: unknown) => {
            if (config.on_failure === 'fail_fast' || isCancellation(err)) throw err;
            return { error: failureInfo(err, c).message };
          },
        );
      }
    };
    const lanes = new CancellationScope();
    await lanes
      .run(() => Promise.all(Array.from({ length: Math.min(config.parallelism, items.length) }, lane)))
      .catch((err: unknown) => {
        // fail fast: the items still running are cancelled
        lanes.cancel();
        throw err;
      });
    const outputs = await control['workflow.foreach_results'](this.execution, { visit, outcomes });
    return { route: 'success', terminal: false, outputs };
  }

  /** Runs a definition as a child execution and answers its outputs by alias. */
  private async runChild(config: SubworkflowConfig, inputs: Record<string, ValueRef>): Promise<Record<string, ValueRef>> {
    const child = await control['workflow.create_child']({
      parent: this.execution,
      childId: childExecutionId(),
      alias: config.alias,
      inputs,
      ...(config.blob && { target: { blob: config.blob, revision: config.revision ?? 'default' } }),
    });
    const outcome = await executeChild(this.childWorkflow, {
      workflowId: child.executionId,
      args: [child],
      typedSearchAttributes: executionSearchAttributes(child),
      ...executionUiMetadata(child, { parentExecution: this.execution.executionId }),
      memo: { parent_execution_id: this.execution.executionId },
    });
    return Object.fromEntries((outcome.outputData ?? []).map((o) => [o.alias, o.value]));
  }

  /** A component done inside the workflow at once: entered and exited in one record. */
  private async instant(c: PlanComponent, visit: string, response: ComponentResponse): Promise<ComponentResponse> {
    await this.record(instantEvents(c, visit, response.route));
    return response;
  }

  /** A component that takes workflow time (timer, signal, child): entered, work, exited. */
  private async around(c: PlanComponent, visit: string, work: () => Promise<ComponentResponse>): Promise<ComponentResponse> {
    const attributes = processorAttributes(c);
    const startedAt = Date.now();
    await this.record([{ type: 'processor.entered', key: `${visit}:processor.entered`, attributes }]);
    const response = await work();
    await this.record([
      {
        type: 'processor.exited',
        key: `${visit}:processor.exited`,
        attributes: { ...attributes, duration_ms: Date.now() - startedAt, route: response.route, attempt: 1 },
        ...(patched(RECORDED_OUTPUTS_PATCH) ? recordedOutputs(response.outputs) : {}),
      },
    ]);
    return response;
  }
}
