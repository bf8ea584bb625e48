/** The walk of one execution's plan, inside the interpreter workflow (deterministic: workflow APIs only). */
import { CancellationScope, condition, executeChild, isCancellation, sleep } from '@temporalio/workflow';
import type { WaitConfig } from '../components/flow';
import {
  processorAttributes,
  type ComponentResponse,
  type EventSpec,
  type ExecutionArgs,
  type ExecutionOutcome,
  type Plan,
  type PlanComponent,
  type PlanEdge,
  type ValueRef,
} from '../plan';
import { componentActivity, control, type ComponentActivity } from './activity-stubs';
import { ComponentFailed, ExecutionTimedOut, failureInfo, type FailureInfo } from './failures';
import { executionSearchAttributes } from './search-attributes';
import { waitSignalName, type ExecutionSignal } from './signals';
import { componentSummary, executionUiMetadata } from './ui-metadata';
// the workflow runs itself as the child of a flow.subworkflow
import { blobhubExecution } from './workflows';

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

export class Interpreter {
  private values: Record<string, Record<string, ValueRef>> = {};
  private visits: Record<string, number> = {};
  private joins: Record<string, { arrived: Set<string>; fired: boolean }> = {};
  private activities: Record<string, ComponentActivity> = {};
  private scope = new CancellationScope();
  private pending = 0;
  private settled = false;
  private resolve!: (output: OutputData) => void;
  private reject!: (err: unknown) => void;

  constructor(
    private execution: ExecutionArgs,
    private plan: Plan,
    private startInputs: Record<string, ValueRef>,
    private signals: ExecutionSignal[],
  ) {}

  run(): Promise<OutputData> {
    const done = new Promise<OutputData>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    const timeout = this.execution.timeoutSeconds;
    if (timeout !== undefined) {
      // a timer in the walk's scope: cancelled with everything else once the execution is decided
      this.scope
        .run(() => sleep(Math.round(timeout * 1000), { summary: 'execution timeout' }))
        .then(
          () => this.settle(() => this.reject(new ExecutionTimedOut(`the execution ran longer than its timeout of ${timeout} s`))),
          () => undefined,
        );
    }
    this.spawn(this.plan.startId);
    return done;
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
    if (!waiting) return this.resolve([]);
    const c = this.plan.components[waiting[0]];
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
    const target = this.plan.components[edge.targetId];
    if (target.type === 'flow.join') {
      const join = (this.joins[target.id] ??= { arrived: new Set(), fired: false });
      join.arrived.add(edge.connectionId);
      const all = join.arrived.size >= this.plan.incoming[target.id];
      const fire = (target.config as { mode: 'all' | 'any' }).mode === 'any' ? !join.fired : all;
      if (fire) join.fired = true;
      if (all) delete this.joins[target.id];
      if (!fire) return;
    }
    this.spawn(edge.targetId);
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
    const c = this.plan.components[id];
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
    if (c.type === 'flow.end') return this.settle(() => this.resolve(Object.entries(inputs).map(([alias, value]) => ({ alias, value }))));
    if (response.terminal) return this.settle(() => this.resolve([]));
    for (const edge of this.plan.next[id]?.[response.route] ?? []) this.arrive(edge);
  }

  /** The failure route when connected; otherwise processor.error and the execution fails. */
  private async failed(c: PlanComponent, visit: string, info: FailureInfo, startedAt: number): Promise<ComponentResponse> {
    const attributes = processorAttributes(c);
    if (this.plan.next[c.id]?.failure) {
      await this.record([
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

  private record(events: EventSpec[]) {
    return control['workflow.record'](this.execution, events);
  }

  private runComponent(c: PlanComponent, visit: string, inputs: Record<string, ValueRef>): Promise<ComponentResponse> {
    switch (c.type) {
      case 'flow.start':
        return this.instant(c, visit, { route: 'success', terminal: false, outputs: this.startInputs });
      case 'flow.end':
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
      default:
        this.activities[c.id] ??= componentActivity(c);
        return this.activities[c.id]({ execution: this.execution, component: c, visit, inputs });
    }
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
    return { route: 'success', terminal: false, outputs: { payload: { type: 'json', json: signal.payload ?? null } } };
  }

  private async subworkflow(c: PlanComponent, inputs: Record<string, ValueRef>): Promise<ComponentResponse> {
    const child = await control['workflow.create_child']({
      parent: this.execution,
      childId: childExecutionId(),
      alias: (c.config as { alias: string }).alias,
      inputs,
    });
    const outcome = await executeChild(blobhubExecution, {
      workflowId: child.executionId,
      args: [child],
      typedSearchAttributes: executionSearchAttributes(child),
      ...executionUiMetadata(child, { parentExecution: this.execution.executionId }),
      memo: { parent_execution_id: this.execution.executionId },
    });
    const outputs = Object.fromEntries((outcome.outputData ?? []).map((o) => [o.alias, o.value]));
    return { route: 'success', terminal: false, outputs };
  }

  /** A component done inside the workflow at once: entered and exited in one record. */
  private async instant(c: PlanComponent, visit: string, response: ComponentResponse): Promise<ComponentResponse> {
    const attributes = processorAttributes(c);
    await this.record([
      { type: 'processor.entered', key: `${visit}:processor.entered`, attributes },
      { type: 'processor.exited', key: `${visit}:processor.exited`, attributes: { ...attributes, duration_ms: 0, route: response.route, attempt: 1 } },
    ]);
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
      },
    ]);
    return response;
  }
}
