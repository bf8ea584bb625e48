/** Execution limits per blob or definition (docs/workflow.md "Execution limits") through REST on the real platform. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../../test/support/people';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import {
  comp,
  definition,
  ENGINE,
  eventsOf,
  fibonacciDefinition,
  flow,
  integer,
  newWorkflowBlob,
  upload,
  waitForEvent,
  waitForStatus,
} from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;

/** Runs until it gets the signal `go`: an execution that holds its slot as long as the test wants. */
const held = definition([comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'go' }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]);

const command = (name: string, body: Record<string, unknown>) => p.admin.data(rev, ENGINE, name, body);
/** fibonacci(5) for `fib` and `paced`; `held` and `exclusive` take no input */
const create = (alias: string) => command('create_execution', { alias, input_data: [{ alias: 'n', value: integer(5) }] });
const setLimits = async (body: Record<string, unknown>) => {
  const res = await command('set_execution_limits', body);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.execution_limits;
};
const statusOf = async (id: string) => (await command('get_execution', { execution_id: id })).body.execution.status as string;
const waiting = (id: string) => waitForEvent(p.admin, rev, id, (e) => e.type === 'processor.entered' && e.attributes?.processor_type === 'flow.wait');
const release = (id: string) => command('signal_execution', { execution_id: id, name: 'go' });

beforeAll(async () => {
  p = await startTestPlatform();
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'limited'));
  for (const alias of ['held', 'exclusive']) await upload(p.admin, rev, alias, held);
  await upload(p.admin, rev, 'fib', fibonacciDefinition());
  await upload(p.admin, rev, 'paced', fibonacciDefinition());
}, 120_000);
afterAll(() => p?.close());

describe('max_concurrent', () => {
  it('queues the execution past the limit, and starts it when one ends', async () => {
    expect(await setLimits({ alias: 'held', max_concurrent: 2 })).toMatchObject({
      alias: 'held',
      max_concurrent: 2,
      concurrency_policy: 'queue',
      max_starts: null,
    });
    // three creations at once: the row lock lets exactly two through
    const created = await Promise.all([create('held'), create('held'), create('held')]);
    for (const res of created) expect(res.status, JSON.stringify(res.body)).toBe(200);
    const executions = created.map((res) => res.body.execution as { id: string; status: string });
    const queued = executions.filter((e) => e.status === 'queued');
    const admitted = executions.filter((e) => e.status !== 'queued');
    expect(queued).toHaveLength(1);
    const [extra] = queued;
    const queuedEvent = (await eventsOf(p.admin, rev, extra!.id)).find((e) => e.type === 'execution.queued');
    expect(queuedEvent).toMatchObject({ attributes: { limit: 'max_concurrent' } });
    expect(queuedEvent?.message).toMatch(/at most 2 execution\(s\) at once/);

    for (const e of admitted) await waiting(e.id);
    // both admitted ones run; the extra one still waits
    expect(await statusOf(extra!.id)).toBe('queued');
    expect((await command('list_executions', { status: 'queued', alias: 'held' })).body.executions.map((e: { id: string }) => e.id)).toEqual([extra!.id]);

    expect((await release(admitted[0]!.id)).status).toBe(200);
    await waitForStatus(p.admin, rev, admitted[0]!.id);
    // the ended one's slot goes to the waiting one
    await waiting(extra!.id);
    expect(await statusOf(extra!.id)).toBe('running');
    expect((await eventsOf(p.admin, rev, extra!.id)).map((e) => e.type)).toContain('execution.admitted');

    for (const e of [admitted[1]!, extra!]) await release(e.id);
    for (const e of [admitted[1]!, extra!]) expect(await waitForStatus(p.admin, rev, e.id)).toMatchObject({ status: 'completed' });
  }, 90_000);

  it('refuses the execution past the limit with 429 when the policy says so', async () => {
    await setLimits({ alias: 'exclusive', max_concurrent: 1, concurrency_policy: 'refuse' });
    const [first, second] = await Promise.all([create('exclusive'), create('exclusive')]);
    const [ok, refused] = first.status === 200 ? [first, second] : [second, first];
    expect(ok.status).toBe(200);
    expectError(refused, 429, 'rate_limited');
    expect(refused.body.details).toMatchObject({ scope: 'max_concurrent', alias: 'exclusive' });
    expect(refused.body.message).toMatch(/at most 1 execution\(s\) at once/);

    await waiting(ok.body.execution.id);
    await release(ok.body.execution.id);
    await waitForStatus(p.admin, rev, ok.body.execution.id);
    // the slot is free again
    const again = await create('exclusive');
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    await waiting(again.body.execution.id);
    await release(again.body.execution.id);
    await waitForStatus(p.admin, rev, again.body.execution.id);
  }, 60_000);
});

describe('max_starts per interval', () => {
  it('refuses starts past the rate with 429 and when to retry', async () => {
    await setLimits({ alias: 'fib', max_starts: 2, interval_seconds: 3600 });
    expect((await create('fib')).status).toBe(200);
    expect((await create('fib')).status).toBe(200);
    const refused = await create('fib');
    expectError(refused, 429, 'rate_limited');
    expect(refused.body.details).toMatchObject({ scope: 'max_starts', alias: 'fib' });
    expect(refused.body.details.retry_after_seconds).toBeGreaterThan(3000);
    expect(Number(refused.headers.get('retry-after'))).toBe(Math.ceil(refused.body.details.retry_after_seconds));

    const metrics = await p.anonymous.get('/metrics');
    expect(metrics.body).toMatch(/blobhub_execution_limit_refused_total\{limit="max_starts"\} 1/);
    expect(metrics.body).toMatch(/blobhub_execution_limit_refused_total\{limit="max_concurrent"\} 1/);
    expect(metrics.body).toMatch(/blobhub_execution_limit_queued_total\{limit="max_concurrent"\} 1/);

    // without the limit the blob starts as many as it is asked to
    expect((await command('delete_execution_limits', { alias: 'fib' })).status).toBe(200);
    expect((await create('fib')).status).toBe(200);
  }, 60_000);

  it('queues starts past the rate until the window opens, when the policy says so', async () => {
    await setLimits({ alias: 'paced', max_starts: 1, interval_seconds: 2, rate_policy: 'queue' });
    const first = (await create('paced')).body.execution;
    const second = (await create('paced')).body.execution;
    expect(first.status).not.toBe('queued');
    expect(second.status).toBe('queued');
    expect((await eventsOf(p.admin, rev, second.id)).find((e) => e.type === 'execution.queued')).toMatchObject({ attributes: { limit: 'max_starts' } });
    expect(await waitForStatus(p.admin, rev, second.id)).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(5) }] });
    // admitted once the first start left the 2 s window
    const admitted = (await eventsOf(p.admin, rev, second.id)).find((e) => e.type === 'execution.admitted');
    expect(admitted?.attributes.waited_ms).toBeGreaterThanOrEqual(1000);
  }, 60_000);
});

describe('the limits themselves', () => {
  it('are listed, validated and deleted', async () => {
    await setLimits({ max_concurrent: 50 });
    const listed = await command('list_execution_limits', {});
    expect(listed.body.execution_limits.map((l: { alias: string | null }) => l.alias)).toEqual([null, 'exclusive', 'held', 'paced']);
    expectError(await command('set_execution_limits', { max_starts: 3 }), 400, 'bad_request');
    expectError(await command('set_execution_limits', {}), 400, 'bad_request');
    expectError(await command('set_execution_limits', { max_concurrent: 1, concurrency_policy: 'drop' }), 400, 'bad_request');
    expect((await command('delete_execution_limits', {})).status).toBe(200);
    expectError(await command('delete_execution_limits', {}), 404, 'not_found');
  });
});
