/** flow.foreach: a definition run over a list with bounded parallelism, through REST on the real platform. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, ENGINE, fibonacciDefinition, flow, newWorkflowBlob, run, upload } from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;

const json = (value: unknown) => ({ type: 'json', json: value });
/** n → fails for odd n, else n * 10 as `tens` */
const picky = definition(
  [
    comp('s', 'flow.start'),
    comp('c', 'logic.code', {
      language: 'javascript',
      code: "const n = get_data_input('n').integer; if (n % 2) throw new Error('odd ' + n); set_data_output('tens', create_value('integer', n * 10));",
    }),
    comp('e', 'flow.end'),
  ],
  [flow('s', 'c'), flow('c', 'e'), data('s', 'n', 'c'), data('c', 'tens', 'e')],
);
/** item (text) → its length, with `suffix` (an input every child shares) appended */
const measure = definition(
  [
    comp('s', 'flow.start'),
    comp('c', 'logic.code', {
      language: 'javascript',
      code: "set_data_output('size', create_value('text', get_data_input('item').text.length + get_data_input('suffix').text));",
    }),
    comp('e', 'flow.end'),
  ],
  [flow('s', 'c'), flow('c', 'e'), data('s', 'item', 'c'), data('s', 'suffix', 'c'), data('c', 'size', 'e')],
);
/** list → flow.foreach over it → results and errors */
const overList = (config: Record<string, unknown>, shared: string[] = []) =>
  definition(
    [comp('s', 'flow.start'), comp('each', 'flow.foreach', config), comp('e', 'flow.end')],
    [
      flow('s', 'each'),
      flow('each', 'e'),
      data('s', 'list', 'each', 'items'),
      ...shared.map((port) => data('s', port, 'each')),
      data('each', 'results', 'e'),
      data('each', 'errors', 'e'),
    ],
  );
const outputsOf = (execution: { output_data: { alias: string; value: { json: unknown } }[] }) =>
  Object.fromEntries(execution.output_data.map((o) => [o.alias, o.value.json]));
const childrenOf = async (parentId: string) => {
  const res = await p.admin.data(rev, ENGINE, 'list_executions', { limit: 100 });
  return (res.body.executions as { parent_execution_id: string | null; started_at: string; ended_at: string; status: string }[]).filter(
    (e) => e.parent_execution_id === parentId,
  );
};

beforeAll(async () => {
  p = await startTestPlatform();
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'looping'));
  await upload(p.admin, rev, 'fib', fibonacciDefinition());
  await upload(p.admin, rev, 'picky', picky);
  await upload(p.admin, rev, 'measure', measure);
  await upload(p.admin, rev, 'fibs', overList({ alias: 'fib', item_input: 'n', parallelism: 2 }));
  await upload(p.admin, rev, 'collecting', overList({ alias: 'picky', item_input: 'n', on_failure: 'collect' }));
  await upload(p.admin, rev, 'strict', overList({ alias: 'picky', item_input: 'n', parallelism: 1 }));
  await upload(p.admin, rev, 'sizes', overList({ alias: 'measure' }, ['suffix']));
}, 120_000);
afterAll(() => p?.close());

describe('flow.foreach', () => {
  it('runs the definition once per item, at most `parallelism` at once, results in order', async () => {
    const execution = await run(p.admin, rev, 'fibs', [{ alias: 'list', value: json([1, 2, 3, 4, 5, 6, 7, 8]) }]);
    expect(execution.status).toBe('completed');
    expect(outputsOf(execution)).toEqual({ results: [1, 1, 2, 3, 5, 8, 13, 21].map((result) => ({ result })), errors: [] });

    const children = await childrenOf(execution.id);
    expect(children).toHaveLength(8);
    // never more than two children live at one time
    const moments = children.flatMap((c) => [
      { at: Date.parse(c.started_at), step: 1 },
      { at: Date.parse(c.ended_at), step: -1 },
    ]);
    moments.sort((a, b) => a.at - b.at || a.step - b.step);
    let live = 0;
    const most = Math.max(...moments.map((m) => (live += m.step)));
    expect(most).toBeLessThanOrEqual(2);
  }, 90_000);

  it('collects the failures of some items when told to, and fails fast otherwise', async () => {
    const collected = await run(p.admin, rev, 'collecting', [{ alias: 'list', value: json([2, 3, 4, 5]) }]);
    expect(collected.status).toBe('completed');
    const outputs = outputsOf(collected) as { results: unknown[]; errors: { index: number; message: string }[] };
    expect(outputs.results).toEqual([{ tens: 20 }, null, { tens: 40 }, null]);
    expect(outputs.errors.map((e) => e.index)).toEqual([1, 3]);
    expect(outputs.errors[0]!.message).toMatch(/odd 3/);

    const failed = await run(p.admin, rev, 'strict', [{ alias: 'list', value: json([2, 3, 4, 5]) }]);
    expect(failed).toMatchObject({ status: 'failed', error: { component_id: 'each', component_type: 'flow.foreach' } });
    // one at a time, it stopped at the first odd item: the items after it never ran
    expect((await childrenOf(failed.id)).map((c) => c.status).sort()).toEqual(['completed', 'failed']);
  }, 90_000);

  it('hands large items to the children by reference, and an input to all of them', async () => {
    const big = ['a', 'b', 'c'].map((ch, i) => ch.repeat(40_000 + i));
    const execution = await run(p.admin, rev, 'sizes', [
      { alias: 'list', value: json(big) },
      { alias: 'suffix', value: { type: 'text', text: ' chars' } },
    ]);
    expect(execution.status).toBe('completed');
    expect(outputsOf(execution).results).toEqual([{ size: '40000 chars' }, { size: '40001 chars' }, { size: '40002 chars' }]);
  }, 90_000);

  it('refuses an input that is not a list', async () => {
    const execution = await run(p.admin, rev, 'fibs', [{ alias: 'list', value: json({ not: 'a list' }) }]);
    expect(execution).toMatchObject({ status: 'failed', error: { kind: 'bad_input' } });
  }, 60_000);
});
