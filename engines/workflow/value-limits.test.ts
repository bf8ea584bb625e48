/**
 * Issue 16, attack 3: values without a size bound. Oversized values end the run with
 * value_too_large; large ones are stored by reference so that executions and lists stay small.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { executionData } from '../../db/schema';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, ENGINE, eventsOf, flow, run, text, upload, newWorkflowBlob } from '../../test/support/workflow';

const MiB = 1024 * 1024;
let p: TestPlatform;
let rev: string;

beforeAll(async () => {
  p = await startTestPlatform({ env: { BLOBHUB_MAX_VALUE_BYTES: String(MiB), BLOBHUB_MAX_EXECUTION_DATA_BYTES: String(3 * MiB) } });
  rev = (await newWorkflowBlob(p.admin, 'sizes')).revisionId;
});
afterAll(() => p?.close());

/** start → one logic.code → end, the given outputs of the code wired to the end */
const codeDefinition = (code: string, outputs: string[]) =>
  definition(
    [comp('s', 'flow.start'), comp('c', 'logic.code', { code, memory_mb: 256 }), comp('e', 'flow.end')],
    [flow('s', 'c'), flow('c', 'e'), data('s', 'input', 'c'), ...outputs.map((o) => data('c', o, 'e'))],
  );

describe('value size limits', () => {
  it('fails an output above the per-value limit with value_too_large', async () => {
    await upload(p.admin, rev, 'huge', codeDefinition("set_data_output('out', create_value('text', 'x'.repeat(2 * 1024 * 1024)))", ['out']));
    const execution = await run(p.admin, rev, 'huge');
    expect(execution).toMatchObject({ status: 'failed', output_data: null, error: { kind: 'value_too_large', component_id: 'c' } });
    expect(execution.error.message).toContain('BLOBHUB_MAX_VALUE_BYTES');
    const failed = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.error');
    expect(failed?.attributes).toMatchObject({ processor_id: 'c', kind: 'value_too_large' });
  });

  it('fails an execution whose values together pass the per-execution limit', async () => {
    const code = "for (const port of ['a', 'b', 'c', 'd']) set_data_output(port, create_value('text', port.repeat(900 * 1024)))";
    await upload(p.admin, rev, 'many', codeDefinition(code, ['a', 'b', 'c', 'd']));
    const execution = await run(p.admin, rev, 'many');
    expect(execution).toMatchObject({ status: 'failed', error: { kind: 'value_too_large' } });
    expect(execution.error.message).toContain('BLOBHUB_MAX_EXECUTION_DATA_BYTES');
  });
});

describe('session writes within the execution limit', () => {
  it('counts what code writes to session objects with the execution values, and refuses the write that passes the limit', async () => {
    // four writes of 900 KiB each: every one within the per-value limit, the fourth past the 3 MiB per execution
    const code = "for (const alias of ['a', 'b', 'c', 'd']) set_session_object('big/' + alias, alias.repeat(900 * 1024))";
    await upload(p.admin, rev, 'session-writes', codeDefinition(code, []));
    const execution = await run(p.admin, rev, 'session-writes');
    expect(execution).toMatchObject({ status: 'failed', error: { kind: 'value_too_large', component_id: 'c' } });
    expect(execution.error.message).toContain('BLOBHUB_MAX_EXECUTION_DATA_BYTES');
    const stored = await p.admin.data(rev, ENGINE, 'list_session_objects', { session_id: execution.session_id, prefix: 'big/' });
    expect(stored.body.objects.map((o: { alias: string }) => o.alias)).toEqual(['big/a', 'big/b', 'big/c']);
    // each write of the execution says its size, which is what counts
    const writes = (await eventsOf(p.admin, rev, execution.id)).filter((e) => e.type === 'session_object_modified');
    expect(writes.map((e) => e.attributes.session_object)).toEqual(
      ['a', 'b', 'c'].map((alias) => ({ alias: `big/${alias}`, type: 'json', size_bytes: 900 * 1024 + 2 })),
    );
  });
});

describe('large values by reference', () => {
  it('keeps big inputs and outputs out of execution rows, fetched with get_execution_data, and lists stay under 1 MiB', async () => {
    const code =
      "set_data_output('length', create_value('integer', get_data_input('input').text.length)); set_data_output('big', create_value('text', 'y'.repeat(600 * 1024)))";
    // a blob of its own, so that the list holds exactly these executions
    const own = (await newWorkflowBlob(p.admin, 'sizes', 'big-values')).revisionId;
    await upload(p.admin, own, 'big', codeDefinition(code, ['length', 'big']));
    const input = [{ alias: 'input', value: text('z'.repeat(200 * 1024)) }];
    const executions = [];
    for (let i = 0; i < 5; i++) executions.push(await run(p.admin, own, 'big', input));

    const execution = executions[0];
    expect(execution.status, JSON.stringify(execution.error)).toBe('completed');
    expect(execution.input_data).toEqual([{ alias: 'input', data_id: expect.any(String), size_bytes: expect.any(Number) }]);
    const [length, big] = execution.output_data;
    expect(length).toEqual({ alias: 'length', value: { type: 'integer', integer: 200 * 1024 } });
    expect(big).toEqual({ alias: 'big', data_id: expect.any(String), size_bytes: expect.any(Number) });
    expect(big.size_bytes).toBeGreaterThan(600 * 1024);

    const fetched = await p.admin.data(own, ENGINE, 'get_execution_data', { execution_id: execution.id, data_id: big.data_id });
    expect(fetched.status).toBe(200);
    expect(fetched.body.data.value).toEqual(text('y'.repeat(600 * 1024)));
    const fetchedInput = await p.admin.data(own, ENGINE, 'get_execution_data', { execution_id: execution.id, data_id: execution.input_data[0].data_id });
    expect(fetchedInput.body.data.value).toEqual(input[0]?.value);
    // the 600 KiB value is in the blob store, not in a database row
    const [row] = await p.app.db.select().from(executionData).where(eq(executionData.id, big.data_id));
    expect(row).toMatchObject({ value: null, storageKey: expect.stringContaining(execution.id) });

    const listed = await p.admin.request('POST', `/revisions/${own}/data`, { engine: ENGINE, command: 'list_executions', limit: 100 });
    expect(listed.body.executions).toHaveLength(5);
    expect(Buffer.byteLength(JSON.stringify(listed.body))).toBeLessThan(MiB);
  });
});
