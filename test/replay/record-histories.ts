/**
 * Records the replay corpus (test/replay/histories) from real runs: every component type, waits,
 * signals, subworkflows (of the same revision and of another blob), foreach, execution limits, loops, failures, cancellation, timeouts, a schedule fire and ONNX
 * processing, and executions caught mid-wait and mid-sleep (what a deploy finds in flight).
 * Not part of `npm test`: run `npm run replay:record` after adding a scenario, and commit the
 * histories it writes. `npm test` replays them all against the current workflow bundle.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxProcessingWorkflowId } from '../../engines/onnx/temporal/start';
import { addModel } from '../support/onnx-models';
import { newModelBlob, s3Env, uploadModel } from '../support/onnx-client';
import { SCHEDULER, createBlob, createFibonacciTarget, eventually, targetOf } from '../support/scheduler';
import {
  ENGINE,
  comp,
  countingLoop,
  data,
  definition,
  fibonacciDefinition,
  flow,
  integer,
  start,
  upload,
  waitForEvent,
  waitForStatus,
} from '../support/workflow';
import { startTestPlatform, type TestPlatform } from '../support/platform';

/** One folder per recording; older ones stay, since executions they stand for may still run somewhere. */
const historiesDir = path.join(
  path.dirname(fileURLToPath(import.meta.url)),
  'histories',
  process.env.REPLAY_GENERATION ?? new Date().toISOString().slice(0, 10),
);

let p: TestPlatform;
let server: http.Server;
let baseUrl: string;
let rev: string;
let session: string;

/**
 * Writes the workflow's history (its latest run, or `runId`); one still running (`inFlight`) as far
 * as it has got, any other once Temporal has closed it.
 */
async function record(name: string, workflowId: string, opts: { inFlight?: boolean; runId?: string } = {}) {
  const handle = p.app.temporal.client.workflow.getHandle(workflowId, opts.runId);
  // BlobHub's row can say `completed` a moment before Temporal has recorded the close
  if (!opts.inFlight) await handle.result().catch(() => undefined);
  let history = await handle.fetchHistory();
  // one in flight: its events are written by activities inside a workflow task, which may not have completed yet
  while (opts.inFlight && !history.events?.some((e) => e.workflowTaskCompletedEventAttributes)) {
    await new Promise((r) => setTimeout(r, 100));
    history = await handle.fetchHistory();
  }
  mkdirSync(historiesDir, { recursive: true });
  const file = path.join(historiesDir, `${name}.json`);
  writeFileSync(file, `${JSON.stringify({ workflowId, history: JSON.parse(historyToJSON(history)) }, null, 1)}\n`);
}

/** Runs `alias` to its end and records its history under the alias. */
async function runAndRecord(alias: string, def: unknown, inputData: unknown[] = [], extra: Record<string, unknown> = {}) {
  await upload(p.admin, rev, alias, def);
  const execution = await start(p.admin, rev, alias, inputData, extra);
  const ended = await waitForStatus(p.admin, rev, execution.id, undefined, 60_000);
  await record(alias, execution.id);
  return ended;
}

const entered = (id: string) => (e: any) => e.type === 'processor.entered' && e.attributes.processor_id === id;
const cmd = (command: string, params: Record<string, unknown>) => p.admin.data(rev, ENGINE, command, params);

beforeAll(async () => {
  // a low history limit, so that a short loop continues as new (the other scenarios stay far below it)
  p = await startTestPlatform({ env: { ...s3Env(), BLOBHUB_WORKFLOW_HISTORY_EVENTS: '100' } });
  // `/hold` is never answered: a request that runs until its execution is cancelled
  server = http.createServer((req, res) => {
    if (req.url !== '/hold') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await p.admin.post('/orgs', { name: 'corpus' });
  rev = (await p.admin.post('/orgs/corpus/blobs', { name: 'flows', type: 'workflow', visibility: 'private' })).body.revision.id;
  session = (await cmd('create_session', { name: 'corpus' })).body.session.id;
}, 180_000);

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await p?.close();
});

describe('workflow executions', () => {
  it('fibonacci: flow.start, logic.code, flow.end', async () => {
    expect((await runAndRecord('fibonacci', fibonacciDefinition(), [{ alias: 'n', value: integer(10) }])).status).toBe('completed');
  });

  it('loop: logic.code counter and flow.branch going round five times', async () => {
    const def = definition(
      [
        comp('s', 'flow.start'),
        comp('inc', 'logic.code', {
          code: "const o = get_session_object('counter'); const n = (o ? o.integer : 0) + 1; set_session_object('counter', create_value('integer', n)); set_data_output('n', create_value('integer', n));",
        }),
        comp('more', 'flow.branch', { input: 'n', op: 'lt', value: 5 }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'inc'), flow('inc', 'more'), flow('more', 'inc', 'true'), flow('more', 'e', 'false'), data('inc', 'n', 'more'), data('inc', 'n', 'e')],
    );
    const ended = await runAndRecord('loop', def, [], { session_id: session });
    expect([ended.status, ended.output_data[0].value]).toEqual(['completed', integer(5)]);
  });

  it('continue-as-new: a 60-iteration loop as a chain of runs, each recorded', async () => {
    await upload(p.admin, rev, 'long-loop', countingLoop(60));
    const execution = await start(p.admin, rev, 'long-loop', [], { timeout_seconds: 600 });
    expect((await waitForStatus(p.admin, rev, execution.id, undefined, 60_000)).status).toBe('completed');
    let run = 0;
    for (let runId: string | null | undefined = execution.temporal.run_id; runId; run++) {
      await record(`continue-as-new-run${run + 1}`, execution.id, { runId });
      const last = (await p.app.temporal.client.workflow.getHandle(execution.id, runId).fetchHistory()).events?.at(-1);
      runId = last?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
    }
    expect(run).toBeGreaterThanOrEqual(2);
  });

  it('parallel: two routes meeting at flow.join (all) and one at flow.join (any)', async () => {
    const code = (n: number) => ({ code: `set_data_output('v', create_value('integer', ${n}));` });
    const def = definition(
      [
        comp('s', 'flow.start'),
        comp('a', 'logic.code', code(1)),
        comp('b', 'logic.code', code(2)),
        comp('all', 'flow.join'),
        comp('any', 'flow.join', { mode: 'any' }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'a'), flow('s', 'b'), flow('a', 'all'), flow('b', 'all'), flow('all', 'any'), flow('a', 'any'), flow('any', 'e'), data('a', 'v', 'all', 'a')],
    );
    expect((await runAndRecord('parallel', def)).status).toBe('completed');
  });

  it('delay, http.request and session components', async () => {
    const def = definition(
      [
        comp('s', 'flow.start'),
        comp('d', 'flow.delay', { seconds: 1 }),
        comp('h', 'http.request', { url: `${baseUrl}/corpus` }),
        comp('w', 'session.write_object', { alias: 'answer' }),
        comp('r', 'session.read_object', { alias: 'answer' }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'd'), flow('d', 'h'), flow('h', 'w'), flow('w', 'r'), flow('r', 'e'), data('h', 'body', 'w', 'value'), data('r', 'value', 'e')],
    );
    expect((await runAndRecord('delay-http-session', def, [], { session_id: session })).status).toBe('completed');
  });

  it('graph.mutate and graph.query', async () => {
    expect((await cmd('upload_session_object', { session_id: session, alias: 'g', value: { type: 'graph', graph: {} } })).status).toBe(200);
    const def = definition(
      [
        comp('s', 'flow.start'),
        comp('m', 'graph.mutate', { alias: 'g', operations: [{ op: 'add_vertex', element_id: 'a', labels: ['step'], props: { n: 1 } }] }),
        comp('q', 'graph.query', { alias: 'g', query: { start: ['V', 'a'], steps: [['values', 'n']] } }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'm'), flow('m', 'q'), flow('q', 'e'), data('q', 'results', 'e')],
    );
    expect((await runAndRecord('graph', def, [], { session_id: session })).status).toBe('completed');
  });

  it('failure route taken, then a failed execution, then one retried by its policy', async () => {
    const failing = comp('c', 'logic.code', { code: "throw new Error('no')" });
    const routed = definition([comp('s', 'flow.start'), failing, comp('e', 'flow.end')], [flow('s', 'c'), flow('c', 'e', 'failure'), data('c', 'error', 'e')]);
    expect((await runAndRecord('failure-route', routed)).status).toBe('completed');
    const failed = definition([comp('s', 'flow.start'), failing, comp('e', 'flow.end')], [flow('s', 'c'), flow('c', 'e')]);
    expect((await runAndRecord('failed', failed)).status).toBe('failed');
    const retried = definition(
      [comp('s', 'flow.start'), { ...failing, retry: { maximum_attempts: 2, initial_interval_ms: 100 } }, comp('e', 'flow.end')],
      [flow('s', 'c'), flow('c', 'e')],
    );
    expect((await runAndRecord('retried', retried)).status).toBe('failed');
  });

  it('flow.wait: resolved by a signal, by a thread item, and by its timeout', async () => {
    const waiter = (config: Record<string, unknown>) =>
      definition(
        [comp('s', 'flow.start'), comp('w', 'flow.wait', config), comp('e', 'flow.end')],
        [flow('s', 'w'), flow('w', 'e'), flow('w', 'e', 'timeout'), data('w', 'payload', 'e')],
      );
    await upload(p.admin, rev, 'wait-signal', waiter({ signal: 'go' }));
    const signalled = await start(p.admin, rev, 'wait-signal');
    await waitForEvent(p.admin, rev, signalled.id, entered('w'));
    // an unknown signal name first: refused by the update's validator and absent from history (generation v1 recorded it kept)
    expect((await cmd('signal_execution', { execution_id: signalled.id, name: 'unrelated', payload: 1 })).status).toBe(400);
    await cmd('signal_execution', { execution_id: signalled.id, name: 'go', payload: { ok: true } });
    expect((await waitForStatus(p.admin, rev, signalled.id)).status).toBe('completed');
    await record('wait-signal', signalled.id);

    await cmd('upload_session_object', {
      session_id: session,
      alias: 'inbox',
      value: { type: 'thread', thread: { attributes: { name: 'inbox' }, metadata: {} } },
    });
    await upload(p.admin, rev, 'wait-thread', waiter({ thread_alias: 'inbox', timeout_seconds: 60 }));
    const threaded = await start(p.admin, rev, 'wait-thread', [], { session_id: session });
    await waitForEvent(p.admin, rev, threaded.id, entered('w'));
    const posted = await cmd('post_session_thread_item', { session_id: session, alias: 'inbox', content: [{ type: 'text', text: 'hello' }] });
    expect((await waitForStatus(p.admin, rev, threaded.id)).status).toBe('completed');
    await record('wait-thread', threaded.id);
    // the workflow that delivered the item to the waiting execution
    await record('thread-item-delivery', `thread-item-${posted.body.item.id}`);

    expect((await runAndRecord('wait-timeout', waiter({ signal: 'never', timeout_seconds: 1 }))).status).toBe('completed');
  });

  it('flow.wait_for_event: woken by an event flow.emit_event emits, and the workflow that delivered it', async () => {
    const waiter = definition(
      [comp('s', 'flow.start'), comp('w', 'flow.wait_for_event', { key: 'corpus:ready', timeout_seconds: 120 }), comp('e', 'flow.end')],
      [flow('s', 'w'), flow('w', 'e'), flow('w', 'e', 'timeout'), data('w', 'payload', 'e'), data('w', 'event_id', 'e')],
    );
    const emitter = definition(
      [comp('s', 'flow.start'), comp('m', 'flow.emit_event', { key: 'corpus:ready', payload: { ok: true } }), comp('e', 'flow.end')],
      [flow('s', 'm'), flow('m', 'e'), data('m', 'waiters', 'e')],
    );
    await upload(p.admin, rev, 'wait-event', waiter);
    await upload(p.admin, rev, 'emit-event', emitter);
    const waiting = await start(p.admin, rev, 'wait-event');
    // emitted again until the wait is registered (an event emitted before that does not reach it)
    const emitted = await eventually(async () => {
      const ended = await waitForStatus(p.admin, rev, (await start(p.admin, rev, 'emit-event')).id);
      return ended.output_data[0]?.value.integer === 1 ? ended : undefined;
    });
    await record('emit-event', emitted.id);
    const woken = await waitForStatus(p.admin, rev, waiting.id);
    expect(woken.status).toBe('completed');
    await record('wait-event', waiting.id);
    const eventId = woken.output_data.find((o: { alias: string }) => o.alias === 'event_id').value.text;
    await record('event-delivery', `event-${eventId}`);
  });

  it('flow.subworkflow: the parent and its child', async () => {
    await upload(p.admin, rev, 'child', fibonacciDefinition());
    const parent = definition(
      [comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', { alias: 'child' }), comp('e', 'flow.end')],
      [flow('s', 'sub'), flow('sub', 'e'), data('s', 'n', 'sub'), data('sub', 'result', 'e')],
    );
    const ended = await runAndRecord('subworkflow-parent', parent, [{ alias: 'n', value: integer(7) }]);
    expect(ended.status).toBe('completed');
    await record('subworkflow-child', await childOf(ended.id));
  });

  it('execution limits: one execution queued behind another, then admitted', async () => {
    const held = definition([comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'go' }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]);
    await upload(p.admin, rev, 'limited', held);
    expect((await cmd('set_execution_limits', { alias: 'limited', max_concurrent: 1 })).status).toBe(200);
    const first = await start(p.admin, rev, 'limited');
    const second = await start(p.admin, rev, 'limited');
    expect(second.status).toBe('queued');
    await waitForEvent(p.admin, rev, first.id, entered('w'));
    await cmd('signal_execution', { execution_id: first.id, name: 'go' });
    await waitForEvent(p.admin, rev, second.id, entered('w'));
    await cmd('signal_execution', { execution_id: second.id, name: 'go' });
    expect((await waitForStatus(p.admin, rev, second.id)).status).toBe('completed');
    await record('limit-queued', second.id);
  });

  it('flow.foreach over a list, and flow.subworkflow of another blob', async () => {
    await upload(p.admin, rev, 'fib-item', fibonacciDefinition());
    const each = definition(
      [comp('s', 'flow.start'), comp('each', 'flow.foreach', { alias: 'fib-item', item_input: 'n', parallelism: 2 }), comp('e', 'flow.end')],
      [flow('s', 'each'), flow('each', 'e'), data('s', 'list', 'each', 'items'), data('each', 'results', 'e')],
    );
    expect((await runAndRecord('foreach', each, [{ alias: 'list', value: { type: 'json', json: [3, 4, 5] } }])).status).toBe('completed');

    const lib = (await p.admin.post('/orgs/corpus/blobs', { name: 'lib', type: 'workflow', visibility: 'private' })).body.revision.id;
    await upload(p.admin, lib, 'fib', fibonacciDefinition());
    expect((await p.admin.post(`/revisions/${lib}/commit`)).status).toBe(200);
    const caller = definition(
      [comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', { blob: 'corpus/lib', alias: 'fib' }), comp('e', 'flow.end')],
      [flow('s', 'sub'), flow('sub', 'e'), data('s', 'n', 'sub'), data('sub', 'result', 'e')],
    );
    expect((await runAndRecord('subworkflow-other-blob', caller, [{ alias: 'n', value: integer(6) }])).status).toBe('completed');
  });

  it('cancelled while waiting, and timed out while sleeping', async () => {
    const waiting = definition([comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'go' }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]);
    await upload(p.admin, rev, 'cancelled', waiting);
    const cancelled = await start(p.admin, rev, 'cancelled');
    await waitForEvent(p.admin, rev, cancelled.id, entered('w'));
    await cmd('cancel_execution', { execution_id: cancelled.id });
    expect((await waitForStatus(p.admin, rev, cancelled.id)).status).toBe('stopped');
    await record('cancelled', cancelled.id);

    const sleeping = definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 30 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]);
    expect((await runAndRecord('timed-out', sleeping, [], { timeout_seconds: 1 })).status).toBe('failed');
  });

  it('cancelled while an http.request runs', async () => {
    const requesting = definition(
      [
        comp('s', 'flow.start'),
        comp('c', 'logic.code', { code: "set_data_output('x', create_value('integer', 1))" }),
        comp('h', 'http.request', { url: `${baseUrl}/hold` }, { timeout_ms: 60_000 }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'c'), flow('c', 'h'), flow('h', 'e'), data('h', 'body', 'e')],
    );
    await upload(p.admin, rev, 'cancelled-mid-request', requesting);
    const execution = await start(p.admin, rev, 'cancelled-mid-request');
    await waitForEvent(p.admin, rev, execution.id, entered('h'));
    await cmd('cancel_execution', { execution_id: execution.id });
    expect((await waitForStatus(p.admin, rev, execution.id)).status).toBe('stopped');
    await record('cancelled-mid-request', execution.id);
  });

  it('in flight at a deploy: waiting on a signal and sleeping on a timer', async () => {
    const waiting = definition(
      [
        comp('s', 'flow.start'),
        comp('c', 'logic.code', { code: "set_data_output('v', create_value('integer', 1));" }),
        comp('w', 'flow.wait', { signal: 'go' }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'c'), flow('c', 'w'), flow('w', 'e')],
    );
    await upload(p.admin, rev, 'mid-wait', waiting);
    const waiter = await start(p.admin, rev, 'mid-wait');
    await waitForEvent(p.admin, rev, waiter.id, entered('w'));
    await record('mid-wait', waiter.id, { inFlight: true });
    await cmd('cancel_execution', { execution_id: waiter.id });

    const sleeping = definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 600 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]);
    await upload(p.admin, rev, 'mid-sleep', sleeping);
    const sleeper = await start(p.admin, rev, 'mid-sleep');
    await waitForEvent(p.admin, rev, sleeper.id, entered('d'));
    await record('mid-sleep', sleeper.id, { inFlight: true });
    await cmd('cancel_execution', { execution_id: sleeper.id });
  });
});

/** The child execution of a parent, found through the Temporal memo the parent sets on it. */
async function childOf(parentId: string): Promise<string> {
  for await (const w of p.app.temporal.client.workflow.list({ query: `TaskQueue = '${p.taskQueue}' AND WorkflowType = 'blobhubExecution'` })) {
    if (w.memo?.parent_execution_id === parentId) return w.workflowId;
  }
  throw new Error(`no child of ${parentId}`);
}

describe('other engines', () => {
  it('a schedule fire', async () => {
    const orgId = (await p.admin.get('/orgs/corpus')).body.org.id;
    const scheduler = await createBlob(p.admin, 'corpus', 'timers', 'scheduler');
    const target = await createFibonacciTarget(p.admin, 'corpus', 'targets', 1);
    const created = await p.admin.data(scheduler.revisionId, SCHEDULER, 'create_schedule', {
      repeat: 'recurring_cron',
      cron_expression: '0 9 ? * MON-FRI *',
      timezone: 'Europe/London',
      invocation_target_type: 'workflow',
      invocation_target: targetOf(orgId, target),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect((await p.admin.data(scheduler.revisionId, SCHEDULER, 'trigger_schedule', { schedule_id: created.body.schedule.id })).status).toBe(200);
    const fire = await eventually(async () => {
      for await (const w of p.app.temporal.client.workflow.list({
        query: `TaskQueue = '${p.taskQueue}' AND WorkflowType = 'scheduleFireWorkflow' AND ExecutionStatus = 'Completed'`,
      }))
        return w.workflowId;
      return undefined;
    });
    await record('schedule-fire', fire);
    await p.admin.data(scheduler.revisionId, SCHEDULER, 'delete_schedule', { schedule_id: created.body.schedule.id });
  });

  it('ONNX processing of an uploaded model', async () => {
    const { revisionId } = await newModelBlob(p.admin);
    const { operationId } = await uploadModel(p.admin, revisionId, addModel());
    await record('onnx-processing', onnxProcessingWorkflowId(operationId));
  });
});
