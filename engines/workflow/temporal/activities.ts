/**
 * The activities of the interpreter workflow: loading the plan, recording events, creating child
 * executions, finishing, and one activity per component type (named by the type).
 * Every event carries a dedupe key, so a retried activity or a replay after a worker crash
 * records each logical event exactly once.
 */
import { Context, type Info } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { and, eq, sql } from 'drizzle-orm';
import type { App } from '../../../core/app';
import { executionData, executions } from '../../../db/schema';
import { allComponentTypes, ComponentError, type ComponentRunResult, type ComponentType, type QueueState } from '../components';
import { eventKeyOf } from '../components/wait-for-event';
import { registerEventWaiter, removeEventWaiter } from '../events';
import { definitionDataId, findDefinition, insertExecution } from '../executions';
import { createChildInBlob } from '../cross-blob';
import { foreachItems, foreachResults } from '../foreach';
import { admitWaiting } from '../limits';
import { appendExecutionEvents, finishExecution, recordExecutionEvent, recordExecutionEvents } from '../finish';
import { assertStorableResult } from '../storable-result';
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
  type RunLimits,
  type ValueRef,
} from '../plan';
import { compileDefinition } from '../validate';
import { logger } from '../../../core/log';
import type { CarriedValues } from './carry-over';
import type { ChildRequest, ControlActivities, EventWait, ForeachOutcome, LoadOptions } from './contracts';
import { assertUserAttemptsLeft, ComponentTimedOut, componentFailure, forgetAttempts, userAttempt, WorkerInterrupted } from './retries';
import { assertValueSize, dataIdFor, isDataRef, jsonBytes, resolveRefs, toRef, toRefsWithin, writeExecutionSessionObject, type DataEntry } from '../values';

/** The execution's row and its pinned definition compiled, with the limits the interpreter keeps to. */
async function loadPlan(app: App, execution: ExecutionArgs) {
  // one statement: the row and its pinned definition
  const [found] = await app.db
    .select({ row: executions, pinned: executionData })
    .from(executions)
    .leftJoin(executionData, eq(executionData.id, definitionDataId(execution.executionId)))
    .where(eq(executions.id, execution.executionId));
  const { row, pinned } = found ?? {};
  if (!row || !pinned) throw ApplicationFailure.nonRetryable(`execution ${execution.executionId} is missing`, 'not_found');
  const compiled = compileDefinition(pinned.value);
  if (!compiled.valid) throw ApplicationFailure.nonRetryable(`the definition is invalid: ${compiled.errors[0]?.message}`, 'invalid_definition');
  const limits: RunLimits = { historyEvents: app.config.BLOBHUB_WORKFLOW_HISTORY_EVENTS };
  return { row, plan: compiled.plan, limits };
}

/**
 * The first run of an execution: its plan, and the start recorded (status, execution_started,
 * flow.entered, and with `startComponent` the start component's events: its first visit).
 */
async function load(
  app: App,
  execution: ExecutionArgs,
  options: LoadOptions = {},
): Promise<{ plan: Plan; inputs: Record<string, ValueRef>; limits: RunLimits }> {
  const { row, plan, limits } = await loadPlan(app, execution);
  const start = plan.components[plan.startId];
  await recordStart(app, execution, options.startComponent && start ? instantEvents(start, `${start.id}#1`, 'success') : []);
  const inputs: Record<string, ValueRef> = {};
  for (const entry of row.inputData as DataEntry[]) {
    inputs[entry.alias] = isDataRef(entry) ? { $ref: entry.data_id } : await toRef(app, row.id, dataIdFor(row.id, 'input', entry.alias), entry.value);
  }
  return { plan, inputs, limits };
}

/** The execution `running`, and its start events (then `more`), recorded once. */
async function recordStart(app: App, execution: ExecutionArgs, more: EventSpec[]) {
  await app.db.transaction(async (tx) => {
    // a workflow started by a parent (a subworkflow's, a schedule fire's) records its run id here
    const runId = Context.current().info.workflowExecution?.runId ?? null;
    await tx
      .update(executions)
      .set({ status: 'running', startedAt: new Date(), temporalRunId: sql`coalesce(${executions.temporalRunId}, ${runId})` })
      .where(and(eq(executions.id, execution.executionId), eq(executions.status, 'pending')));
    await appendExecutionEvents(tx, execution, [
      { type: 'execution_started', key: 'execution_started', attributes: { alias: execution.alias, definition_id: execution.definitionId } },
      { type: 'flow.entered', key: 'flow.entered', attributes: { alias: execution.alias } },
      ...more,
    ]);
  });
}

/**
 * A run that continues an execution (continue-as-new): its plan only, nothing of the start done
 * again; the row now names this run, so its Temporal UI link opens the run that is live. A rerun
 * (rerun_execution) starts as such a continuation of the run it reruns: its first run, still
 * `pending`, records the start as load does.
 */
async function resume(app: App, execution: ExecutionArgs): Promise<{ plan: Plan; limits: RunLimits }> {
  const { row, plan, limits } = await loadPlan(app, execution);
  if (row.status === 'pending') {
    await recordStart(app, execution, []);
    return { plan, limits };
  }
  const runId = Context.current().info.workflowExecution?.runId;
  if (runId) await app.db.update(executions).set({ temporalRunId: runId }).where(eq(executions.id, execution.executionId));
  return { plan, limits };
}

/** The walk's values as a run hands them to the next: small enough for one Temporal message, the rest by reference. */
async function carryValues(app: App, execution: ExecutionArgs, carried: CarriedValues): Promise<CarriedValues['values']> {
  const entries = Object.entries(carried.values).flatMap(([componentId, ports]) =>
    Object.entries(ports).map(([port, value]) => ({
      componentId,
      port,
      // the id under which the visit that produced it would have stored it
      id: dataIdFor(execution.executionId, `${componentId}#${carried.visits[componentId] ?? 0}`, port),
      value,
    })),
  );
  const refs = await toRefsWithin(app, execution.executionId, entries);
  const values: CarriedValues['values'] = {};
  // toRefsWithin answers one ref per entry, in order; an entry without one would stay as it is
  entries.forEach(({ componentId, port, value }, i) => ((values[componentId] ??= {})[port] = refs[i] ?? value));
  return values;
}

/** A flow.subworkflow's child: a new execution of another definition in the same session (or of another blob: cross-blob.ts). */
async function createChild(app: App, args: ChildRequest): Promise<ExecutionArgs> {
  if (args.target) return createChildInBlob(app, args, args.target);
  const { parent } = args;
  const row = await app.db.transaction(async (tx) => {
    const definition = await findDefinition(tx, parent.revisionId, { alias: args.alias }).catch(() => {
      throw ApplicationFailure.nonRetryable(`no definition with alias ${args.alias} in this revision`, 'not_found');
    });
    return insertExecution(app, tx, {
      id: args.childId,
      revisionId: parent.revisionId,
      sessionId: parent.sessionId,
      definition,
      inputData: Object.entries(args.inputs).map(([alias, value]) => ({ alias, value })),
      createdBy: parent.createdBy,
      createdByKeyId: parent.createdByKeyId,
      parentExecutionId: parent.executionId,
    });
  });
  return { ...parent, executionId: row.id, definitionId: row.definitionId, alias: row.alias, timeoutSeconds: undefined };
}

/** A flow.wait_for_event's key resolved (a large `key` input is fetched) and its visit registered as waiting on it. */
async function startEventWait(app: App, execution: ExecutionArgs, wait: EventWait): Promise<{ key: string }> {
  const { key: keyInput } = wait.keyInput ? await resolveRefs(app, { key: wait.keyInput }) : {};
  let key: string;
  try {
    key = eventKeyOf(wait.key, keyInput);
  } catch (e) {
    throw ApplicationFailure.nonRetryable((e as Error).message, 'invalid_request');
  }
  await registerEventWaiter(app, execution, wait.visit, key);
  return { key };
}

const logEvents = (lines: string[], keyPrefix: string, attributes: Record<string, unknown>) =>
  lines.map((line, i): EventSpec => ({ type: 'processor.output', key: `${keyPrefix}:log:${i}`, message: line, attributes }));

/** Route and port names travel in every Temporal message about a component: names, not data. */
const NAME_BYTES = 1024;

function checkName(what: string, name: string) {
  const bytes = Buffer.byteLength(name);
  if (bytes > NAME_BYTES) throw new ComponentError(`the ${what} name is ${bytes} bytes, above the limit of ${NAME_BYTES} bytes`, 'value_too_large');
}

/** Every value a component produced within BLOBHUB_MAX_VALUE_BYTES, every name short (checked before anything is written). */
function checkSizes(app: App, result: ComponentRunResult) {
  checkName('route', result.route);
  for (const port of Object.keys(result.outputs ?? {})) checkName('output port', port);
  for (const [port, output] of Object.entries(result.outputs ?? {})) assertValueSize(app, `output ${port}`, jsonBytes(output.value));
  for (const [alias, value] of Object.entries(result.sessionWrites ?? {})) assertValueSize(app, `session object ${alias}`, jsonBytes(value));
}

/**
 * The `queued` state of a component waiting for a sandbox slot: a processor.queued event (after
 * its processor.entered, `recordEntered`), and the execution shows `queued` until the component starts.
 */
function queueState(app: App, request: ComponentRequest, attributes: Record<string, unknown>, recordEntered: () => Promise<unknown>): QueueState {
  const { execution, visit } = request;
  const attempt = Context.current().info.attempt;
  const setStatus = (from: 'running' | 'queued', to: 'running' | 'queued') =>
    app.db
      .update(executions)
      .set({ status: to })
      .where(and(eq(executions.id, execution.executionId), eq(executions.status, from)));
  return {
    async queued(reason) {
      await recordEntered();
      await recordExecutionEvent(app.db, execution, {
        type: 'processor.queued',
        key: `${visit}:attempt${attempt}:processor.queued`,
        message: reason,
        attributes: { ...attributes, attempt },
      });
      await setStatus('running', 'queued');
    },
    async started() {
      await setStatus('queued', 'running');
    },
  };
}

/** How often a component running as a normal activity heartbeats (the worker sends at most one per maxHeartbeatThrottleInterval). */
const HEARTBEAT_INTERVAL_MS = 1000;

/**
 * Runs `work` while heartbeating from a timer, when this is a normal activity with a heartbeat
 * timeout: Temporal then notices a lost worker within that timeout, and a cancellation reaches the
 * activity (through the heartbeat's answer) while the work is a single long await.
 */
async function heartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  if (context.info.isLocal || !context.info.heartbeatTimeoutMs) return work();
  const timer = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/**
 * What a component's stopped work reports. The execution was cancelled: a cancellation (the signal's
 * reason is a CancelledFailure), and the component records nothing more. The component ran past
 * its own timeout_ms: one of its attempts (ComponentTimedOut). The worker shuts down or lost the
 * activity (its heartbeat timed out): a platform failure, so the next attempt runs on another
 * worker whatever the component's retry policy.
 */
function interruption(signal: AbortSignal, startedAt: number): Error {
  const { cancellationDetails, info } = Context.current();
  if (cancellationDetails?.cancelRequested) return signal.reason as CancelledFailure;
  // a local activity has no heartbeat: its only timeout is the component's own
  if (cancellationDetails?.timedOut && (info.isLocal || Date.now() - startedAt >= info.startToCloseTimeoutMs)) {
    return new ComponentTimedOut(`the component ran past its timeout of ${info.startToCloseTimeoutMs} ms`);
  }
  return new WorkerInterrupted(`the run was interrupted on its worker (${(signal.reason as Error).message})`);
}

/**
 * One attempt of a component activity. Whatever fails in it, the user's work or the platform
 * under it, leaves as a failure classified by retries.ts (user attempts vs outage retries).
 */
async function runComponent(app: App, type: ComponentType, request: ComponentRequest): Promise<ComponentResponse> {
  const { info } = Context.current();
  assertUserAttemptsLeft(request.component, info);
  const component = { component_id: request.component.id, component_type: type.type, visit: request.visit, attempt: info.attempt };
  logger.debug(component, 'component attempt started');
  try {
    const response = await runAttempt(app, type, request, info);
    forgetAttempts(info);
    logger.debug({ ...component, route: response.route }, 'component attempt succeeded');
    return response;
  } catch (e) {
    if (e instanceof CancelledFailure) throw e;
    const failure = componentFailure(e, request.component, info);
    // the failure as the execution records it: a credential's strings are already redacted from it
    logger.info({ ...component, failure: { type: failure.type, message: failure.message } }, 'component attempt failed');
    throw failure;
  }
}

async function runAttempt(app: App, type: ComponentType, request: ComponentRequest, info: Info): Promise<ComponentResponse> {
  const { execution, component, visit } = request;
  const { cancellationSignal: signal } = Context.current();
  const attempt = info.attempt;
  const startedAt = Date.now();
  const attributes = processorAttributes(component);
  const enteredEvent: EventSpec = { type: 'processor.entered', key: `${visit}:processor.entered`, attributes };
  // Recorded on its own only when something must follow it before the component ends (its queue
  // state, its session writes and events) or when the run may be long (a regular activity: seen
  // live while it runs); then while the component already runs, off the critical path. A short
  // run records it with its other events in one batch at the end.
  let entered: Promise<unknown> | undefined;
  const recordEntered = () => {
    entered ??= recordExecutionEvent(app.db, execution, enteredEvent);
    entered.catch(() => undefined); // awaited below; this only keeps an early rejection from being "unhandled"
    return entered;
  };
  if (!info.isLocal) void recordEntered();
  let result: ComponentRunResult | undefined;
  let outputs: Record<string, ValueRef>;
  try {
    if (type.emitsEvents) await recordEntered();
    const inputs = await resolveRefs(app, request.inputs);
    result = await type.run!({ app, request, config: component.config, inputs, attempt, signal, queue: queueState(app, request, attributes, recordEntered) });
    checkSizes(app, result);
    assertStorableResult(result);
    // values first: one past the execution's limit fails the run before anything else is written
    outputs = await storeOutputs(app, request, result);
  } catch (e) {
    // The component's own failure uses one of its attempts even when the database fails under it
    // meanwhile: rerunning it as an outage would exceed the user's maximum_attempts. Its
    // processor.entered is then stored by the next attempt or with the failure (interpreter), and
    // the attempt's logs are lost with the database.
    const ownFailure = e instanceof ComponentError && !signal.aborted;
    const keepOwnFailure = (recordError: unknown) => {
      if (!ownFailure) throw recordError;
    };
    await entered?.catch(keepOwnFailure);
    if (signal.aborted) throw interruption(signal, startedAt);
    if (e instanceof ComponentError) {
      const logs = e.logs.length ? e.logs : (result?.logs ?? []);
      const events = [...(entered ? [] : [enteredEvent]), ...logEvents(logs, `${visit}:attempt${attempt}`, attributes)];
      await recordExecutionEvents(app.db, execution, events).catch(keepOwnFailure);
    }
    throw e;
  }
  if (Object.keys(result.sessionWrites ?? {}).length) await recordEntered();
  await entered;
  for (const [alias, value] of Object.entries(result.sessionWrites ?? {})) {
    await writeExecutionSessionObject(app, execution, alias, value, `${execution.executionId}:${visit}:object:${alias}`);
  }
  const outputEvents = Object.entries(result.outputs ?? {})
    .filter(([, output]) => output.persist)
    .map(([port]): EventSpec => ({
      type: 'processor.output',
      key: `${visit}:data:${port}`,
      attributes: { ...attributes, route: port },
      data: { data_id: dataIdFor(execution.executionId, visit, port) },
    }));
  await recordExecutionEvents(app.db, execution, [
    ...(entered ? [] : [enteredEvent]),
    ...logEvents(result.logs ?? [], visit, attributes),
    ...outputEvents,
    {
      type: 'processor.exited',
      key: `${visit}:processor.exited`,
      attributes: { ...attributes, duration_ms: Date.now() - startedAt, route: result.route, attempt: userAttempt(info) },
      // what rerun_execution seeds a rerun with (rerun.ts): small values inline, the rest by reference
      ...recordedOutputs(outputs),
    },
  ]);
  return { route: result.route, terminal: result.terminal ?? false, outputs };
}

/** Persisted outputs are stored; the others stay inline while the result stays small enough for one Temporal message. */
async function storeOutputs(app: App, { execution, visit }: ComponentRequest, result: ComponentRunResult): Promise<Record<string, ValueRef>> {
  const ports = Object.entries(result.outputs ?? {});
  const refs = await toRefsWithin(
    app,
    execution.executionId,
    ports.map(([port, output]) => ({ id: dataIdFor(execution.executionId, visit, port), value: output.value, persist: output.persist })),
  );
  // one ref per port, in order; a port without one would keep its value as it is
  return Object.fromEntries(ports.map(([port, output], i) => [port, refs[i] ?? output.value]));
}

/** What the interpreter workflow itself calls (as local activities). */
function createControlActivities(app: App): ControlActivities {
  return {
    'workflow.load': (execution: ExecutionArgs, options?: LoadOptions) => load(app, execution, options),
    'workflow.resume': (execution: ExecutionArgs) => resume(app, execution),
    'workflow.carry_values': (execution: ExecutionArgs, carried: CarriedValues) => carryValues(app, execution, carried),
    'workflow.record': (execution: ExecutionArgs, events: EventSpec[]) => recordExecutionEvents(app.db, execution, events),
    'workflow.create_child': (args: ChildRequest) => createChild(app, args),
    'workflow.admit': (execution: ExecutionArgs) => admitWaiting(app.db, execution),
    'workflow.foreach_items': (execution: ExecutionArgs, args: { visit: string; items: ValueRef }) => foreachItems(app, execution, args),
    'workflow.foreach_results': (execution: ExecutionArgs, args: { visit: string; outcomes: ForeachOutcome[] }) => foreachResults(app, execution, args),
    'workflow.start_event_wait': (execution: ExecutionArgs, wait: EventWait) => startEventWait(app, execution, wait),
    'workflow.end_event_wait': (execution: ExecutionArgs, visit: string) => removeEventWaiter(app, execution, visit),
    'workflow.finish': (execution: ExecutionArgs, outcome: ExecutionOutcome, before?: EventSpec[]) => finishExecution(app, execution, outcome, before),
  };
}

/** One activity per component type that runs outside the workflow, named by the type. */
function createComponentActivities(app: App) {
  return Object.fromEntries(
    allComponentTypes()
      .filter((t) => t.run !== undefined)
      .map((t) => [t.type, (request: ComponentRequest) => heartbeating(() => runComponent(app, t, request))]),
  );
}

export function createWorkflowActivities(app: App) {
  return { ...createComponentActivities(app), ...createControlActivities(app) };
}
