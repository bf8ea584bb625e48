import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { auditLog, blobs, executions, revisions, users } from '../../db/schema';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { createExecution } from './executions';
import {
  comp,
  data,
  definition,
  ENGINE,
  eventsOf,
  fibonacciDefinition,
  flow,
  integer,
  newWorkflowBlob,
  run,
  start,
  text,
  upload,
  waitForStatus,
} from '../../test/support/workflow';
import { actorOf } from '../../core/actor';
import { theRow } from '../../core/errors';

let p: TestPlatform;
let rev: string;
beforeAll(async () => {
  p = await startTestPlatform();
  rev = (await newWorkflowBlob(p.admin, 'code')).revisionId;
});
afterAll(() => p?.close());

/** start → one logic.code → end, every output of the code wired to the end under the same name */
const codeDefinition = (code: string, outputs: string[] = [], extra: Record<string, unknown> = {}) =>
  definition(
    [comp('s', 'flow.start'), comp('c', 'logic.code', { language: 'javascript', code }, extra), comp('e', 'flow.end')],
    [flow('s', 'c'), flow('c', 'e'), data('s', 'n', 'c'), ...outputs.map((o) => data('c', o, 'e'))],
  );

describe('logic.code', () => {
  it('computes the fibonacci example of the spec: n = 10 gives 55', async () => {
    await upload(p.admin, rev, 'fibonacci', fibonacciDefinition());
    const execution = await run(p.admin, rev, 'fibonacci', [{ alias: 'n', value: integer(10) }]);
    expect(execution).toMatchObject({ status: 'completed', alias: 'fibonacci', output_data: [{ alias: 'result', value: integer(55) }] });
    const exited = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.exited' && e.attributes.processor_id === 'c');
    expect(exited?.attributes).toMatchObject({ processor_type: 'logic.code', route: 'success', attempt: 1 });
  });

  it('persists outputs by reference, posts logs, and shares session objects across executions', async () => {
    const code = `
      const seen = (get_session_object('counter') ?? 0) + 1;
      set_session_object('counter', seen);
      console.log('run number ' + seen);
      set_data_output('report', create_value('json', { seen, big: 'x'.repeat(20000) }), true);
      set_data_output('seen', create_value('integer', seen));`;
    await upload(p.admin, rev, 'persist', codeDefinition(code, ['seen']));
    const first = await run(p.admin, rev, 'persist');
    const second = await waitForStatus(p.admin, rev, (await start(p.admin, rev, 'persist', [], { session_id: first.session_id })).id);
    expect(second.output_data).toEqual([{ alias: 'seen', value: integer(2) }]);
    const events = await eventsOf(p.admin, rev, second.id);
    expect(events.find((e) => e.type === 'processor.output' && e.message)?.message).toBe('run number 2');
    const persisted = events.find((e) => e.type === 'processor.output' && e.data?.data_id);
    expect(persisted?.attributes).toMatchObject({ processor_id: 'c', route: 'report' });
    const stored = await p.admin.data(rev, ENGINE, 'get_execution_data', { execution_id: second.id, data_id: persisted!.data.data_id });
    expect(stored.body.data.value).toMatchObject({ type: 'json', json: { seen: 2 } });
    expect((await p.admin.data(rev, ENGINE, 'get_execution_data', { execution_id: first.id, data_id: persisted!.data.data_id })).status).toBe(404);
  });

  it('passes large values between components by reference, not through Temporal history', async () => {
    await upload(
      p.admin,
      rev,
      'large',
      definition(
        [
          comp('s', 'flow.start'),
          comp('make', 'logic.code', { code: "set_data_output('blob', create_value('text', 'x'.repeat(200000)))" }),
          comp('measure', 'logic.code', { code: "set_data_output('length', create_value('integer', get_data_input('blob').text.length))" }),
          comp('e', 'flow.end'),
        ],
        [flow('s', 'make'), flow('make', 'measure'), flow('measure', 'e'), data('make', 'blob', 'measure'), data('measure', 'length', 'e')],
      ),
    );
    const execution = await run(p.admin, rev, 'large');
    expect(execution.output_data).toEqual([{ alias: 'length', value: integer(200000) }]);
    const history = await p.app.temporal.client.workflow.getHandle(execution.id).fetchHistory();
    let payloadBytes = 0;
    const walk = (node: unknown): void => {
      if (node instanceof Uint8Array) payloadBytes += node.length;
      else if (node && typeof node === 'object') Object.values(node).forEach(walk);
    };
    walk(history.events);
    expect(payloadBytes).toBeLessThan(100_000);
  });

  it('follows the route set by set_result and ends the execution on a terminal result', async () => {
    await upload(
      p.admin,
      rev,
      'routes',
      definition(
        [
          comp('s', 'flow.start'),
          comp('c', 'logic.code', { code: "set_result(get_data_input('n').integer > 1 ? 'many' : 'one')" }),
          comp('many', 'flow.end'),
          comp('one', 'logic.code', { code: "set_data_output('x', create_value('text', 'never')); set_result('done', true)" }),
          comp('e', 'flow.end'),
        ],
        [
          flow('s', 'c'),
          flow('c', 'many', 'many'),
          flow('c', 'one', 'one'),
          flow('one', 'e', 'done'),
          data('s', 'n', 'c'),
          data('s', 'n', 'many'),
          data('one', 'x', 'e'),
        ],
      ),
    );
    expect((await run(p.admin, rev, 'routes', [{ alias: 'n', value: integer(5) }])).output_data).toEqual([{ alias: 'n', value: integer(5) }]);
    const terminal = await run(p.admin, rev, 'routes', [{ alias: 'n', value: integer(1) }]);
    expect(terminal).toMatchObject({ status: 'completed', output_data: [] });
    const entered = (await eventsOf(p.admin, rev, terminal.id)).filter((e) => e.type === 'processor.entered').map((e) => e.attributes.processor_id);
    expect(entered).not.toContain('e');
  });

  const escapes: [string, string][] = [
    ['reaching process', 'set_data_output("x", create_value("text", String(process.pid)))'],
    ['calling require', 'require("fs").readFileSync("/etc/passwd")'],
    ['using fetch', 'await fetch("http://example.com")'],
    ['finding host objects on globalThis', 'if (!globalThis.Buffer && !globalThis.process) throw new Error("no host objects here")'],
    ['looping forever', 'for (;;) {}'],
    ['allocating 1 GiB', 'const chunks = []; for (;;) chunks.push(new Uint8Array(1024 * 1024 * 1024));'],
    ['walking to the Function constructor', "globalThis.constructor.constructor('return process')().exit(1)"],
    ["exhausting V8's heap in one native call", 'new Array(1e9).fill(1)'],
    [
      'tampering with the prototypes the API uses',
      "Object.prototype.toJSON = () => { throw new Error('tampered') }; set_data_output('x', create_value('json', { a: 1 }))",
    ],
  ];

  it.each(escapes)('ends %s in processor.error and keeps the worker healthy', async (_name, code) => {
    const alias = `escape-${Math.random().toString(36).slice(2, 8)}`;
    await upload(p.admin, rev, alias, codeDefinition(code, [], { timeout_ms: 2000 }));
    const execution = await run(p.admin, rev, alias);
    expect(execution.status).toBe('failed');
    expect(execution.error).toMatchObject({ component_id: 'c', component_type: 'logic.code', kind: expect.stringMatching(/exception|timeout|memory/) });
    const types = (await eventsOf(p.admin, rev, execution.id)).map((e) => e.type);
    expect(types.slice(-3)).toEqual(['processor.error', 'flow.error', 'execution_ended']);
    const healthy = await run(p.admin, rev, 'fibonacci', [{ alias: 'n', value: integer(12) }]);
    expect(healthy.output_data).toEqual([{ alias: 'result', value: integer(144) }]);
  });

  it('keeps what failing code logged, before its processor.error', async () => {
    await upload(p.admin, rev, 'noisy', codeDefinition("console.log('about to fail'); throw new Error('nope')"));
    const execution = await run(p.admin, rev, 'noisy');
    expect(execution.error.message).toContain('nope');
    const events = (await eventsOf(p.admin, rev, execution.id)).filter((e) => e.type.startsWith('processor.') && e.attributes.processor_id === 'c');
    expect(events.map((e) => [e.type, e.message ?? null])).toEqual([
      ['processor.entered', null],
      ['processor.output', 'about to fail'],
      ['processor.error', expect.stringContaining('nope')],
    ]);
  });

  it('passes text values through unchanged', async () => {
    await upload(p.admin, rev, 'echo', codeDefinition("set_data_output('out', get_data_input('n'))", ['out']));
    expect((await run(p.admin, rev, 'echo', [{ alias: 'n', value: text('hi') }])).output_data).toEqual([{ alias: 'out', value: text('hi') }]);
  });
});

describe('where code runs', () => {
  const code = "set_data_output('x', create_value('integer', 1))";
  /** runs the definition; the activities its history scheduled (local activities are markers, not scheduled) */
  async function scheduledActivities(alias: string) {
    const execution = await run(p.admin, rev, alias, [{ alias: 'n', value: integer(1) }]);
    expect(execution.output_data).toEqual([{ alias: 'x', value: integer(1) }]);
    const history = await p.app.temporal.client.workflow.getHandle(execution.id).fetchHistory();
    return { execution, scheduled: history.events!.flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []) };
  }

  it('runs code with a timeout_ms of a few seconds as a local activity, recording every event of the execution once and in order', async () => {
    await upload(p.admin, rev, 'short-limit', codeDefinition(code, ['x'], { timeout_ms: 5_000 }));
    const { execution, scheduled } = await scheduledActivities('short-limit');
    expect(scheduled).toEqual([]);
    const events = await eventsOf(p.admin, rev, execution.id);
    expect(events.map((e) => [e.type, e.attributes?.processor_id])).toEqual([
      ['execution_started', undefined],
      ['flow.entered', undefined],
      ['processor.entered', 's'],
      ['processor.exited', 's'],
      ['processor.entered', 'c'],
      ['processor.exited', 'c'],
      ['processor.entered', 'e'],
      ['processor.exited', 'e'],
      ['flow.exited', undefined],
      ['execution_ended', undefined],
    ]);
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => seqs[0]! + i));
  });

  it('runs code with a long timeout_ms as a regular activity, so that it never holds the workflow task open', async () => {
    await upload(p.admin, rev, 'long-limit', codeDefinition(code, ['x'], { timeout_ms: 60_000 }));
    const { execution, scheduled } = await scheduledActivities('long-limit');
    expect(scheduled).toEqual(['logic.code']);
    expect((await eventsOf(p.admin, rev, execution.id)).filter((e) => e.attributes?.processor_id === 'c').map((e) => e.type)).toEqual([
      'processor.entered',
      'processor.exited',
    ]);
  });
});

describe('text PostgreSQL cannot store, coming from code', () => {
  it.each([
    ['a log line with U+0000', "console.log('a\\u0000b')", /log line 1: text must not contain U\+0000/],
    ['an output with U+0000', "set_data_output('out', create_value('text', 'x\\u0000'))", /output out\.text: text must not contain U\+0000/],
    ['an output with a lone surrogate', "set_data_output('out', create_value('json', { k: '\\ud800' }))", /output out\.json\.k: text must not contain/],
    ['a session object key with U+0000', "set_session_object('obj', { ['k\\u0000']: 1 })", /session object obj\.k.*: text must not contain/],
    ['a session alias outside the alias rules', "set_session_object('../escape', 1)", /session object alias "\.\.\/escape" must/],
    ['a route with a lone surrogate', "set_result('r\\udc00')", /route: text must not contain/],
  ])('fails the component at once with invalid_value, naming where: %s', async (_name, code, message) => {
    const alias = `unstorable-${Math.random().toString(36).slice(2, 8)}`;
    await upload(p.admin, rev, alias, codeDefinition(code));
    const execution = await run(p.admin, rev, alias);
    expect(execution).toMatchObject({ status: 'failed', error: { kind: 'invalid_value', component_id: 'c' } });
    expect(execution.error.message).toMatch(message);
    const events = await eventsOf(p.admin, rev, execution.id);
    expect(events.map((e) => e.type)).toContain('execution_ended');
  });
});

describe('creating an execution with a caller-chosen id (how a schedule fire retries)', () => {
  it('creates and starts it once, however often it is retried', async () => {
    await upload(p.admin, rev, 'fib-once', fibonacciDefinition());
    const admin = await p.app.db.select().from(users).where(eq(users.isInstanceAdmin, true)).then(theRow);
    const caller = { kind: 'user' as const, userId: admin.id, isInstanceAdmin: true };
    const target = await p.app.db
      .select({ blob: blobs, revision: revisions })
      .from(revisions)
      .innerJoin(blobs, eq(blobs.id, revisions.blobId))
      .where(eq(revisions.id, rev))
      .then(theRow);
    const args = {
      caller,
      actor: actorOf(caller, { via: 'schedule' }),
      ...target,
      alias: 'fib-once',
      inputData: [{ alias: 'n', value: { type: 'integer' as const, integer: 7 } }],
      executionId: 'exe_0123456789abcdef0123456789',
    };
    const attempts = await Promise.all([createExecution(p.app, args), createExecution(p.app, args)]);
    // a retry after a crash between the database write and the Temporal start
    await p.app.db.update(executions).set({ temporalRunId: null }).where(eq(executions.id, args.executionId));
    attempts.push(await createExecution(p.app, args));
    expect(new Set(attempts.map((a) => a.id))).toEqual(new Set([args.executionId]));
    expect(await p.app.db.select().from(executions).where(eq(executions.id, args.executionId))).toHaveLength(1);
    // and its start is in the audit log once
    expect(await p.app.db.select().from(auditLog).where(eq(auditLog.targetId, args.executionId))).toHaveLength(1);
    const finished = await waitForStatus(p.admin, rev, args.executionId);
    expect(finished).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(13) }] });
    const started = (await eventsOf(p.admin, rev, args.executionId)).filter((e) => e.type === 'execution_started');
    expect(started).toHaveLength(1);
  });
});
