import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, ENGINE, eventsOf, flow, integer, newWorkflowBlob, start, text, upload, waitForStatus } from '../../test/support/workflow';

/** A worker's first Python run loads Pyodide into its sandbox thread: seconds on a busy machine. */
const COLD_START_MS = 180_000;

let p: TestPlatform;
let rev: string;
beforeAll(async () => {
  p = await startTestPlatform();
  rev = (await newWorkflowBlob(p.admin, 'pycode')).revisionId;
});
afterAll(() => p?.close());

/** logic.code configured the way BlobHub and blobhub-cli write it: code and language as ports. */
const pythonComponent = (id: string, code: string) =>
  comp(id, 'logic.code', undefined, {
    ports: [
      {
        route: 'code',
        value: { type: 'message', message: { role: 'interpreter', content: [{ type: 'text', text: code }], attributes: { syntax_mode: 'python' } } },
      },
      { route: 'language', value: { type: 'choice', id: 'python' } },
    ],
  });

const CLASSIFY = `
n = get_data_input('n')['integer']
label = 'many' if n > 1 else 'one'
print(f'n is {n}: {label}')
set_data_output('label', create_value('text', f'{n} is {label}'))
set_result(label)
`;

const classifyDefinition = () =>
  definition(
    [comp('s', 'flow.start'), pythonComponent('c', CLASSIFY), comp('many', 'flow.end'), comp('one', 'flow.end')],
    [flow('s', 'c'), flow('c', 'many', 'many'), flow('c', 'one', 'one'), data('s', 'n', 'c'), data('c', 'label', 'many'), data('c', 'label', 'one')],
  );

async function execute(alias: string, inputData: unknown[]) {
  const execution = await start(p.admin, rev, alias, inputData);
  return waitForStatus(p.admin, rev, execution.id, undefined, COLD_START_MS);
}

describe('logic.code in Python', () => {
  it(
    "runs a definition in BlobHub's ports form over REST: outputs, logs and a branch on the route",
    async () => {
      const uploaded = classifyDefinition();
      await upload(p.admin, rev, 'classify', uploaded);
      const stored = await p.admin.data(rev, ENGINE, 'get_definition', { alias: 'classify' });
      expect(stored.body.definition.definition).toEqual(uploaded);

      const many = await execute('classify', [{ alias: 'n', value: integer(5) }]);
      expect(many).toMatchObject({ status: 'completed', output_data: [{ alias: 'label', value: text('5 is many') }] });
      const events = await eventsOf(p.admin, rev, many.id);
      expect(events.find((e) => e.type === 'processor.output' && e.message)?.message).toBe('n is 5: many');
      expect(events.filter((e) => e.type === 'processor.entered').map((e) => e.attributes.processor_id)).toEqual(['s', 'c', 'many']);

      const one = await execute('classify', [{ alias: 'n', value: integer(1) }]);
      expect(one).toMatchObject({ status: 'completed', output_data: [{ alias: 'label', value: text('1 is one') }] });
      const entered = (await eventsOf(p.admin, rev, one.id)).filter((e) => e.type === 'processor.entered').map((e) => e.attributes.processor_id);
      expect(entered).toEqual(['s', 'c', 'one']);
    },
    COLD_START_MS * 2,
  );

  it('accepts config.language "python" as well', { timeout: COLD_START_MS }, async () => {
    const code =
      "set_data_output('out', create_value('integer', get_data_input('n')['integer'] * 2))\nprint(execution['id'], attributes['processor_id'], definition['alias'])";
    await upload(
      p.admin,
      rev,
      'double',
      definition(
        [comp('s', 'flow.start'), comp('c', 'logic.code', { language: 'python', code }), comp('e', 'flow.end')],
        [flow('s', 'c'), flow('c', 'e'), data('s', 'n', 'c'), data('c', 'out', 'e')],
      ),
    );
    const execution = await execute('double', [{ alias: 'n', value: integer(21) }]);
    expect(execution.output_data).toEqual([{ alias: 'out', value: integer(42) }]);
    const logged = (await eventsOf(p.admin, rev, execution.id)).find((e) => e.type === 'processor.output' && e.message);
    expect(logged?.message).toBe(`${execution.id} c double`);
  });

  it.each([
    ['an import outside the allowed list', 'import os', 'exception'],
    ['reading a file', "open('/etc/passwd')", 'exception'],
    ['looping forever', 'while True:\n    pass', 'timeout'],
  ])('ends %s in processor.error', { timeout: COLD_START_MS }, async (_name, code, kind) => {
    const alias = `escape-${Math.random().toString(36).slice(2, 8)}`;
    await upload(
      p.admin,
      rev,
      alias,
      definition(
        [comp('s', 'flow.start'), comp('c', 'logic.code', { language: 'python', code }, { timeout_ms: 2000 }), comp('e', 'flow.end')],
        [flow('s', 'c'), flow('c', 'e')],
      ),
    );
    const execution = await execute(alias, []);
    expect(execution).toMatchObject({ status: 'failed', error: { component_id: 'c', component_type: 'logic.code', kind } });
  });
});

describe('validation compiles the code', () => {
  const withCode = (config: Record<string, unknown>) =>
    definition([comp('s', 'flow.start'), comp('c', 'logic.code', config), comp('e', 'flow.end')], [flow('s', 'c'), flow('c', 'e')]);

  it.each([
    ['python', "n = 1\nif n > 0:\n    print('open'\n", 3, 'SyntaxError'],
    ['python', 'def f():\nreturn 1', 2, 'IndentationError'],
    ['javascript', 'const a = 1;\nlet = ;', 2, 'SyntaxError'],
  ])('a %s syntax error is reported with its line on the component', { timeout: COLD_START_MS }, async (language, code, line, name) => {
    const checked = await p.admin.data(rev, ENGINE, 'validate_definition', { definition: withCode({ language, code }) });
    expect(checked.body).toMatchObject({ valid: false, errors: [{ component_id: 'c', line, message: expect.stringContaining(name) }] });
    expect(checked.body.errors[0].message).toContain(`(line ${line})`);

    const uploaded = await p.admin.data(rev, ENGINE, 'upload_definition', { alias: 'broken', definition: withCode({ language, code }) });
    expect(uploaded.status).toBe(400);
    expect(JSON.stringify(uploaded.body)).toContain(`(line ${line})`);
  });

  it('code that compiles is valid, in either language', { timeout: COLD_START_MS }, async () => {
    for (const config of [{ language: 'python', code: 'import json\nprint(json.dumps(1))' }, { code: 'console.log(1)' }]) {
      const checked = await p.admin.data(rev, ENGINE, 'validate_definition', { definition: withCode(config) });
      expect(checked.body).toMatchObject({ valid: true, errors: [] });
    }
  });
});
