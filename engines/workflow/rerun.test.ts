/**
 * rerun_execution and an execution's lineage, through REST on the real platform: a flow calls an
 * HTTP server with a credential, runs an ONNX model, then a code component that fails when asked
 * to. Its rerun from the code component reuses the recorded call and model outputs (the server
 * counts one request); its lineage names the model revision and the credential by alias only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError } from '../../test/support/people';
import { newModelBlob, s3Env, uploadModel } from '../../test/support/onnx-client';
import { matMulModel } from '../../test/support/onnx-models';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import {
  comp,
  data,
  definition,
  ENGINE,
  eventsOf,
  flow,
  newWorkflowBlob,
  run,
  start,
  startHitCounter,
  upload,
  waitForEvent,
  waitForStatus,
} from '../../test/support/workflow';
import { eventually } from '../../test/support/scheduler';

const SECRET = 'rerun-secret-5c1d9e7a';
const tensor = (t: unknown) => ({ type: 'json', json: t });
const flag = (b: boolean) => ({ type: 'boolean', flag: b });

let p: TestPlatform;
let rev: string;
let orgId: string;
let modelRevisionId: string;
let counter: Awaited<ReturnType<typeof startHitCounter>>;

/** fails when input `fail` is true; else hands on the HTTP body's hit count and the model's Y */
const checkCode = `
  if (get_data_input('fail').flag) throw new Error('asked to fail');
  set_data_output('hits', create_value('integer', get_data_input('body').json.hits));
  set_data_output('y', get_data_input('y'));`;

beforeAll(async () => {
  counter = await startHitCounter();
  p = await startTestPlatform({ env: s3Env() });
  const model = await newModelBlob(p.admin);
  await uploadModel(p.admin, model.revisionId, matMulModel());
  modelRevisionId = model.revisionId;
  const { revisionId } = await newWorkflowBlob(p.admin, 'rerun');
  rev = revisionId;
  orgId = (await p.admin.get('/orgs/rerun')).body.org.id;
  const tok = await p.admin.post(`/orgs/${orgId}/credentials`, {
    alias: 'tok',
    type: 'bearer',
    body: { token: SECRET },
    allowed_hosts: [new URL(counter.url).host],
  });
  expect(tok.status, JSON.stringify(tok.body)).toBe(200);
  await upload(
    p.admin,
    rev,
    'pipeline',
    definition(
      [
        comp('s', 'flow.start'),
        comp('call', 'http.request', { url: `${counter.url}/count`, credential: 'tok' }),
        comp('model', 'ml.onnx', { revision_id: modelRevisionId }),
        comp('check', 'logic.code', { language: 'javascript', code: checkCode }, { retry: { maximum_attempts: 1 } }),
        comp('e', 'flow.end'),
      ],
      [
        flow('s', 'call'),
        flow('call', 'model'),
        flow('model', 'check'),
        flow('check', 'e'),
        data('call', 'body', 'check'),
        data('s', 'x', 'model', 'X'),
        data('model', 'Y', 'check', 'y'),
        data('s', 'fail', 'check'),
        data('check', 'hits', 'e'),
        data('check', 'y', 'e'),
      ],
    ),
  );
});
afterAll(async () => {
  counter?.close();
  await p?.close();
});

const x = { alias: 'x', value: tensor({ type: 'float32', dims: [1, 2], data: [1, 1] }) };
const rerun = (params: Record<string, unknown>) => p.admin.data(rev, ENGINE, 'rerun_execution', params);

describe('rerun_execution', () => {
  it('reruns from a component with new inputs, reusing what ran before it, linked both ways', async () => {
    counter.reset();
    const failed = await run(p.admin, rev, 'pipeline', [x, { alias: 'fail', value: flag(true) }]);
    expect(failed.status).toBe('failed');
    expect(counter.hits()).toBe(1);

    const res = await rerun({ execution_id: failed.id, from_component: 'check', input_data: [{ alias: 'fail', value: flag(false) }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.execution).toMatchObject({ rerun_of: failed.id, rerun_from: 'check', session_id: failed.session_id });
    const rerunDone = await waitForStatus(p.admin, rev, res.body.execution.id);
    expect(rerunDone.status, JSON.stringify(rerunDone.error)).toBe('completed');
    // the call and the model are not run again: their recorded outputs feed the code component
    expect(counter.hits()).toBe(1);
    expect(rerunDone.output_data).toEqual([
      { alias: 'hits', value: { type: 'integer', integer: 1 } },
      { alias: 'y', value: tensor({ type: 'float32', dims: [1, 2], data: [4, 6] }) },
    ]);
    // the rerun's inputs are the original's with the override
    expect(rerunDone.input_data).toEqual([x, { alias: 'fail', value: flag(false) }]);
    const ran = (await eventsOf(p.admin, rev, rerunDone.id)).filter((e) => e.type === 'processor.entered').map((e) => e.attributes.processor_id);
    expect(ran).toEqual(['check', 'e']);

    // a rerun of the rerun reuses what the rerun was seeded with
    const again = await rerun({ execution_id: rerunDone.id, from_component: 'check' });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(await waitForStatus(p.admin, rev, again.body.execution.id)).toMatchObject({ status: 'completed', output_data: rerunDone.output_data });
    expect(counter.hits()).toBe(1);

    // the original lists its reruns
    const listed = await p.admin.data(rev, ENGINE, 'list_executions', { rerun_of: failed.id });
    expect(listed.body.executions.map((e: { id: string }) => e.id)).toEqual([rerunDone.id]);
    const lineage = await p.admin.data(rev, ENGINE, 'get_execution_lineage', { execution_id: failed.id });
    expect(lineage.body.lineage.reruns).toMatchObject([{ id: rerunDone.id, status: 'completed', rerun_from: 'check' }]);
    const audit = await p.admin.get(`/orgs/${orgId}/audit_log?action=execution.rerun`);
    expect(audit.status, JSON.stringify(audit.body)).toBe(200);
    expect(JSON.stringify(audit.body)).toContain(rerunDone.id);
  });

  it('reruns from the start: everything runs again', async () => {
    counter.reset();
    const original = await run(p.admin, rev, 'pipeline', [x, { alias: 'fail', value: flag(false) }]);
    expect(original.status).toBe('completed');
    const again = await rerun({ execution_id: original.id });
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    const done = await waitForStatus(p.admin, rev, again.body.execution.id);
    expect(done).toMatchObject({ status: 'completed', rerun_of: original.id, rerun_from: 's' });
    expect(counter.hits()).toBe(2);
    expect(done.output_data[0]).toEqual({ alias: 'hits', value: { type: 'integer', integer: 2 } });
  });

  it('answers clear errors: unknown execution, unknown or unreached component, a live execution', async () => {
    expectError(await rerun({ execution_id: 'exe_01jzzzzzzzzzzzzzzzzzzzzzzz' }), 404, 'not_found');
    const failed = await run(p.admin, rev, 'pipeline', [x, { alias: 'fail', value: flag(true) }]);
    const unknown = await rerun({ execution_id: failed.id, from_component: 'nope' });
    expectError(unknown, 400, 'unknown_component');
    expect(unknown.body.message).toMatch(/definition pipeline has no component nope/);
    const unreached = await rerun({ execution_id: failed.id, from_component: 'e' });
    expectError(unreached, 400, 'component_not_reached');
    expect(unreached.body.message).toMatch(/component e was not reached by execution/);
    expectError(await rerun({ execution_id: failed.id, fromComponent: 'check' }), 400, 'bad_request');

    await upload(
      p.admin,
      rev,
      'waits',
      definition([comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'go' }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]),
    );
    const live = await start(p.admin, rev, 'waits');
    const refused = await rerun({ execution_id: live.id });
    expectError(refused, 409, 'conflict');
    expect(refused.body.message).toMatch(/the execution is still (pending|running)/);
    await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: live.id });
  });

  it('is idempotent with an idempotency key', async () => {
    const failed = await run(p.admin, rev, 'pipeline', [x, { alias: 'fail', value: flag(true) }]);
    const params = { execution_id: failed.id, from_component: 'check', idempotency_key: `rerun-${failed.id}` };
    const [a, b] = await Promise.all([rerun(params), rerun(params)]);
    expect(a.body.execution.id).toBe(b.body.execution.id);
    expectError(await rerun({ ...params, from_component: 'model' }), 409, 'idempotency_key_reused');
  });
});

describe('rerun_execution through waits and parallel paths', () => {
  it("reuses a flow.wait's signal payload and a path that ran beside the chosen component, whose join counts it as arrived", async () => {
    const checkLimit = `if (get_data_input('payload').json.n > get_data_input('limit').integer) throw new Error('over the limit');
      set_data_output('n', create_value('integer', get_data_input('payload').json.n));`;
    await upload(
      p.admin,
      rev,
      'waits-and-joins',
      definition(
        [
          comp('s', 'flow.start'),
          comp('w', 'flow.wait', { signal: 'go' }),
          // two paths after the wait: `a` counts a call; `b`, a second later, checks the payload against the input `limit`
          comp('a', 'http.request', { url: `${counter.url}/count` }),
          comp('d', 'flow.delay', { seconds: 1 }),
          comp('b', 'logic.code', { language: 'javascript', code: checkLimit }, { retry: { maximum_attempts: 1 } }),
          comp('j', 'flow.join', { mode: 'all' }),
          comp('e', 'flow.end'),
        ],
        [
          flow('s', 'w'),
          flow('w', 'a'),
          flow('w', 'd'),
          flow('d', 'b'),
          flow('a', 'j'),
          flow('b', 'j'),
          flow('j', 'e'),
          data('w', 'payload', 'b'),
          data('s', 'limit', 'b'),
          data('a', 'body', 'e', 'counted'),
          data('b', 'n', 'e'),
        ],
      ),
    );
    counter.reset();
    const original = await start(p.admin, rev, 'waits-and-joins', [{ alias: 'limit', value: { type: 'integer', integer: 1 } }]);
    await waitForEvent(p.admin, rev, original.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'w');
    const signalled = await p.admin.data(rev, ENGINE, 'signal_execution', { execution_id: original.id, name: 'go', payload: { n: 5 } });
    expect(signalled.status, JSON.stringify(signalled.body)).toBe(200);
    const failed = await waitForStatus(p.admin, rev, original.id);
    expect(failed.status).toBe('failed');
    await eventually(async () => counter.hits() === 1);

    const res = await rerun({ execution_id: failed.id, from_component: 'b', input_data: [{ alias: 'limit', value: { type: 'integer', integer: 10 } }] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const done = await waitForStatus(p.admin, rev, res.body.execution.id);
    expect(done.status, JSON.stringify(done.error)).toBe('completed');
    // no new wait for a signal, no second call: the payload and the call's answer are the original's
    expect(counter.hits()).toBe(1);
    expect(done.output_data).toEqual([
      { alias: 'counted', value: { type: 'json', json: { hits: 1 } } },
      { alias: 'n', value: { type: 'integer', integer: 5 } },
    ]);
  });
});

describe('lineage', () => {
  it('records the definition hash, the revision, the model revision and the credential by alias, and the model lists its executions', async () => {
    const execution = await run(p.admin, rev, 'pipeline', [x, { alias: 'fail', value: flag(false) }]);
    const res = await p.admin.data(rev, ENGINE, 'get_execution_lineage', { execution_id: execution.id });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.lineage).toMatchObject({
      execution_id: execution.id,
      revision_id: rev,
      alias: 'pipeline',
      definition_hash: execution.definition_hash,
      models: [{ revision_id: modelRevisionId, component_id: 'model', path: 'model.onnx' }],
      credentials: [{ alias: 'tok', component_id: 'call', scope: 'org', type: 'bearer' }],
    });
    expect(JSON.stringify(res.body)).not.toContain(SECRET);

    const usage = await p.admin.data(modelRevisionId, 'onnx_blobhub', 'list_model_usage', {});
    expect(usage.status, JSON.stringify(usage.body)).toBe(200);
    expect(usage.body.executions.find((e: { id: string }) => e.id === execution.id)).toMatchObject({
      revision_id: rev,
      org_id: orgId,
      alias: 'pipeline',
      component_id: 'model',
      status: 'completed',
    });
  });
});
