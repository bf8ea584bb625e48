import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../test/support/client';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, ENGINE, fibonacciDefinition, flow, newWorkflowBlob, start, upload, waitForEvent } from '../../test/support/workflow';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(() => p?.close());

const valid = () => definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 1 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]);

describe('definitions', () => {
  it('uploads, replaces, gets, lists and deletes definitions in a draft', async () => {
    const { revisionId: rev } = await newWorkflowBlob(p.admin, 'defs');
    const first = await upload(p.admin, rev, 'main', valid());
    expect(first).toMatchObject({ alias: 'main', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const replaced = await upload(p.admin, rev, 'main', fibonacciDefinition());
    expect(replaced.id).toBe(first.id);
    expect(replaced.content_hash).not.toBe(first.content_hash);
    const got = await p.admin.data(rev, ENGINE, 'get_definition', { alias: 'main' });
    expect(got.body.definition).toMatchObject({ id: first.id, definition: fibonacciDefinition() });
    expect((await p.admin.data(rev, ENGINE, 'get_definition', { definition_id: first.id })).body.definition.alias).toBe('main');
    await upload(p.admin, rev, 'other', valid());
    const list = await p.admin.data(rev, ENGINE, 'list_definitions', {});
    expect(list.body.definitions.map((d: any) => d.alias).sort()).toEqual(['main', 'other']);
    expect((await p.admin.data(rev, ENGINE, 'delete_definition', { alias: 'other' })).status).toBe(200);
    expect((await p.admin.data(rev, ENGINE, 'get_definition', { alias: 'other' })).status).toBe(404);
  });

  const invalid: [string, unknown, RegExp, string?][] = [
    ['not a workflow document', { type: 'playground_definition', version: '1', components: [], connections: [] }, /type/],
    ['no flow.start', definition([comp('e', 'flow.end')], []), /exactly one flow.start \(found 0\)/],
    ['two flow.start', definition([comp('a', 'flow.start'), comp('b', 'flow.start')], []), /exactly one flow.start \(found 2\)/],
    [
      'an unknown component type',
      definition([comp('s', 'flow.start'), comp('x', 'flow.teleport')], [flow('s', 'x')]),
      /unknown component type flow.teleport/,
      'x',
    ],
    [
      'a config that fails its schema',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { minutes: 2 })], [flow('s', 'd')]),
      /flow.delay config/,
      'd',
    ],
    ['a connection to a missing component', definition([comp('s', 'flow.start')], [flow('s', 'ghost')]), /does not exist: ghost/],
    [
      'an undeclared data port',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 1 })], [flow('s', 'd'), data('d', 'result', 's', 'x')]),
      /has no data output result/,
      'd',
    ],
    [
      'an undeclared route',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 1 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e', 'later')]),
      /has no route later/,
      'd',
    ],
    [
      'an unreachable component',
      definition([comp('s', 'flow.start'), comp('e', 'flow.end'), comp('lost', 'flow.end')], [flow('s', 'e')]),
      /lost \(flow.end\) is unreachable/,
      'lost',
    ],
    [
      'a cycle without a bound',
      definition(
        [comp('s', 'flow.start'), comp('a', 'flow.delay', { seconds: 1 }), comp('b', 'flow.delay', { seconds: 1 })],
        [flow('s', 'a'), flow('a', 'b'), flow('b', 'a')],
      ),
      /cycle through a → b has no way out/,
      'a',
    ],
    ['a duplicate component id', definition([comp('s', 'flow.start'), comp('s', 'flow.end')], []), /used twice/, 's'],
  ];

  it.each(invalid)('refuses %s with a precise error and stores nothing', async (_name, def, message, componentId) => {
    const { revisionId: rev } = await newWorkflowBlob(p.admin, `bad-${Math.random().toString(36).slice(2, 8)}`);
    const validated = await p.admin.data(rev, ENGINE, 'validate_definition', { definition: def });
    expect(validated.body.valid).toBe(false);
    const error = validated.body.errors.find((e: any) => message.test(e.message));
    expect(error, JSON.stringify(validated.body.errors)).toBeDefined();
    if (componentId) expect(error.component_id).toBe(componentId);
    const uploaded = await p.admin.data(rev, ENGINE, 'upload_definition', { alias: 'bad', definition: def });
    expect(uploaded.status).toBe(400);
    expect(errorCode(uploaded)).toBe('invalid_definition');
    expect((await p.admin.data(rev, ENGINE, 'list_definitions', {})).body.definitions).toEqual([]);
  });

  it('accepts a cycle that a branch can leave', async () => {
    const looping = definition(
      [comp('s', 'flow.start'), comp('b', 'flow.branch', { input: 'go', op: 'truthy' }), comp('d', 'flow.delay', { seconds: 0 }), comp('e', 'flow.end')],
      [flow('s', 'b'), flow('b', 'd', 'true'), flow('d', 'b'), flow('b', 'e', 'false'), data('s', 'go', 'b')],
    );
    const { revisionId: rev } = await newWorkflowBlob(p.admin, 'loops');
    expect((await p.admin.data(rev, ENGINE, 'validate_definition', { definition: looping })).body).toEqual({ status: 'success', valid: true, errors: [] });
  });

  it('compiles every definition at commit, refuses with the reasons, and freezes the content', async () => {
    const { blobId, revisionId: rev } = await newWorkflowBlob(p.admin, 'commits');
    await upload(p.admin, rev, 'parent', definition([comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', { alias: 'missing' })], [flow('s', 'sub')]));
    const refused = await p.admin.post(`/revisions/${rev}/commit`);
    expect(refused.status).toBe(400);
    expect(refused.body.details[0]).toMatchObject({ definition_alias: 'parent', component_id: 'sub', message: expect.stringContaining('missing') });
    await upload(p.admin, rev, 'missing', valid());
    const committed = await p.admin.post(`/revisions/${rev}/commit`);
    expect(committed.body.revision).toMatchObject({ phase: 'commit', content_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect((await p.admin.data(rev, ENGINE, 'upload_definition', { alias: 'late', definition: valid() })).status).toBe(409);
    expect((await p.admin.data(rev, ENGINE, 'delete_definition', { alias: 'missing' })).status).toBe(409);
    // runtime state still works on a committed revision, and a new draft copies the definitions
    expect((await p.admin.data(rev, ENGINE, 'create_session', {})).status).toBe(200);
    const draft = (await p.admin.post(`/blobs/${blobId}/revisions`, {})).body.revision;
    const copied = await p.admin.data(draft.id, ENGINE, 'list_definitions', {});
    expect(copied.body.definitions.map((d: any) => d.alias).sort()).toEqual(['missing', 'parent']);
  });
});

describe('the component catalog', () => {
  it('lists every registered type over /data/query with its ports, where it runs and its config as JSON Schema', async () => {
    const { revisionId: rev } = await newWorkflowBlob(p.admin, 'catalog');
    const res = await p.admin.post(`/revisions/${rev}/data/query`, { engine: ENGINE, command: 'list_component_types' });
    expect(res.status).toBe(200);
    const byType = new Map(res.body.component_types.map((t: any) => [t.type, t]));
    // the docs/spec.md §4 catalog, plus ml.onnx registered by the ONNX engine
    for (const type of [
      'flow.start',
      'flow.end',
      'flow.branch',
      'flow.join',
      'flow.delay',
      'flow.wait',
      'flow.subworkflow',
      'logic.code',
      'http.request',
      'session.read_object',
      'session.write_object',
      'thread.post_item',
      'ml.onnx',
    ]) {
      expect(byType.get(type), type).toMatchObject({ type, description: expect.stringMatching(/\w{3}/) });
    }
    expect(byType.get('flow.start')).toMatchObject({
      category: 'flow',
      runs_in: 'workflow',
      control_input: null,
      control_output: 'flow_output',
      routes: ['success'],
      data_inputs: [],
      data_outputs: 'any',
    });
    expect(byType.get('flow.end')).toMatchObject({ control_input: 'flow_input', control_output: null, routes: [], data_inputs: 'any' });
    expect(byType.get('http.request')).toMatchObject({
      runs_in: 'activity',
      routes: ['success', 'failure'],
      data_inputs: ['url', 'body', 'headers'],
      data_outputs: ['response', 'status', 'body'],
    });
    // a branch's input port is named by its config
    expect(byType.get('flow.branch')).toMatchObject({ routes: ['true', 'false'], data_inputs: 'depends_on_config' });
    expect(byType.get('logic.code')).toMatchObject({
      runs_in: 'local_activity',
      routes: 'any',
      config_schema: {
        type: 'object',
        required: ['code'],
        additionalProperties: false,
        properties: {
          language: { type: 'string', enum: ['javascript', 'python'], default: 'javascript' },
          code: { type: 'string', minLength: 1 },
          memory_mb: { type: 'integer', minimum: 1, maximum: 1024 },
        },
      },
    });
    expect(byType.get('flow.delay')).toMatchObject({ config_schema: { properties: { seconds: { type: 'number', minimum: 0 } }, required: ['seconds'] } });
    expect((byType.get('http.request') as any).config_schema.properties.method.enum).toContain('POST');
  });

  it('is a read: a read key may list it', async () => {
    const { blobId, revisionId: rev } = await newWorkflowBlob(p.admin, 'catalog-read');
    const key = await p.admin.post(`/blobs/${blobId}/api_keys`, { role: 'read' });
    const reader = p.client({ key: key.body.api_key.secret });
    expect(
      (await reader.post(`/revisions/${rev}/data/query`, { engine: ENGINE, command: 'list_component_types' })).body.component_types.length,
    ).toBeGreaterThan(10);
  });
});

describe('access', () => {
  it('lets a read key read but not run, and keeps other orgs out', async () => {
    const { blobId, revisionId: rev } = await newWorkflowBlob(p.admin, 'guarded');
    await upload(
      p.admin,
      rev,
      'wait',
      definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 3600 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]),
    );
    const execution = await start(p.admin, rev, 'wait');

    const login = await p.anonymous.post('/auth/login', { email: 'admin@example.com', password: 'admin-password' });
    const root = p.client({ token: login.body.access_token });
    const key = await root.post(`/blobs/${blobId}/api_keys`, { role: 'read' });
    expect(key.status).toBe(200);
    const reader = p.client({ key: key.body.api_key.secret });
    expect((await reader.data(rev, ENGINE, 'get_execution', { execution_id: execution.id })).body.execution.id).toBe(execution.id);
    const refused = await reader.data(rev, ENGINE, 'create_execution', { alias: 'wait' });
    expect(refused.status).toBe(403);
    expect((await reader.data(rev, ENGINE, 'cancel_execution', { execution_id: execution.id })).status).toBe(403);

    expect((await root.post('/users', { email: 'eve@example.com', name: 'Eve', password: 'eve-password-1' })).status).toBe(200);
    const eveLogin = await p.anonymous.post('/auth/login', { email: 'eve@example.com', password: 'eve-password-1' });
    const eve = p.client({ token: eveLogin.body.access_token });
    expect((await eve.post('/orgs', { name: 'evil' })).status).toBe(200);
    expect((await eve.data(rev, ENGINE, 'get_execution', { execution_id: execution.id })).status).toBe(404);
    expect((await eve.data(rev, ENGINE, 'list_executions', {})).status).toBe(404);
    expect((await eve.data(rev, ENGINE, 'cancel_execution', { execution_id: execution.id })).status).toBe(404);
    expect((await eve.data(rev, ENGINE, 'create_execution', { alias: 'wait' })).status).toBe(404);

    await waitForEvent(p.admin, rev, execution.id, (e) => e.type === 'processor.entered' && e.attributes.processor_id === 'd');
    expect((await p.admin.data(rev, ENGINE, 'get_execution', { execution_id: execution.id })).body.execution.status).toBe('running');
    expect((await p.admin.data(rev, ENGINE, 'cancel_execution', { execution_id: execution.id })).status).toBe(200);
  });
});
