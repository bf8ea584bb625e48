import { validate, compileErrors } from '@readme/openapi-parser';
import { errorCode } from '../support/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRouter } from '../../apps/api/router';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
});
afterAll(() => p?.close());

interface OpenApiMetaOf {
  _def: { meta?: { openapi?: { method: string; path: string } } };
}

describe('GET /v1/openapi.json', () => {
  it('is a valid OpenAPI document', async () => {
    const res = await p.anonymous.get('/v1/openapi.json');
    expect(res.status).toBe(200);
    const result = await validate(res.body);
    expect(result.valid, result.valid ? '' : compileErrors(result)).toBe(true);
    expect(res.body.servers).toEqual([{ url: `${p.url}/v1` }]);
  });

  it("lists the engines' commands on the data routes, each route those it runs", async () => {
    const doc = (await p.anonymous.get('/v1/openapi.json')).body;
    const data = doc.paths['/revisions/{revision_id}/data'].post.description;
    expect(data).toMatch(/`workflow_blobhub` \(workflow blobs\): .*rerun_execution \(command\).*get_execution_lineage \(query\)/);
    expect(data).toMatch(/`onnx_blobhub` \(onnx blobs\): .*list_model_usage \(query\)/);
    const queries = doc.paths['/revisions/{revision_id}/data/query'].post.description;
    expect(queries).toContain('get_execution_lineage');
    expect(queries).not.toContain('rerun_execution');
  });

  it('describes every procedure of the router with its request and response schemas', async () => {
    const doc = (await p.anonymous.get('/v1/openapi.json')).body;
    const all = Object.entries(appRouter._def.procedures as unknown as Record<string, OpenApiMetaOf>);
    // The engines' typed procedures have no REST route of their own: REST reaches them through /revisions/{revision_id}/data.
    const isEngineCommand = (name: string) => /^[a-z]+_blobhub\./.test(name);
    expect(all.filter(([name]) => isEngineCommand(name)).every(([, procedure]) => procedure._def.meta?.openapi === undefined)).toBe(true);
    const procedures = all.filter(([name]) => !isEngineCommand(name));
    expect(procedures.length).toBeGreaterThan(20);
    for (const [name, procedure] of procedures) {
      const openapi = procedure._def.meta?.openapi;
      expect(openapi, `${name} has no REST route`).toBeDefined();
      const operation = doc.paths[openapi!.path]?.[openapi!.method.toLowerCase()];
      expect(operation, `${name}: ${openapi!.method} ${openapi!.path} missing`).toBeDefined();
      expect(operation.responses['200'].content['application/json'].schema, name).toBeDefined();
      // errors are documented in the SPEC shape the server actually sends
      for (const [status, response] of Object.entries(operation.responses as Record<string, { content: unknown }>)) {
        if (Number(status) >= 400)
          expect(response.content, `${name} ${status}`).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
      }
    }
    const members = doc.paths['/{target}/{target_id}/members'].post;
    expect(members.requestBody.content['application/json'].schema.properties.role.enum).toEqual(['read', 'write', 'admin']);
    expect(members.parameters.find((x: { name: string }) => x.name === 'target').schema.enum).toEqual(['orgs', 'blobs']);
  });

  it('is browsable at /docs', async () => {
    const page = await p.anonymous.get('/docs');
    expect(page.status).toBe(200);
    expect(page.body).toContain('/v1/openapi.json');
    const bundle = await fetch(`${p.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toBe('text/javascript');
  });

  it('routes name addressing last, so /blobs/{id}/… paths are not taken for /blobs/{org}/{blob}', async () => {
    const admin = p.admin;
    await admin.post('/orgs', { name: 'routing' });
    const blob = (await admin.post('/orgs/routing/blobs', { name: 'model', type: 'workflow' })).body.blob;
    expect((await admin.get(`/blobs/${blob.id}/members`)).body).toEqual({ status: 'success', members: [], cursor: null });
    expect((await admin.get(`/blobs/${blob.id}/metadata`)).body).toEqual({ status: 'success', metadata: {} });
    expect((await admin.get(`/blobs/${blob.id}/revisions`)).body.revisions).toHaveLength(1);
    expect((await admin.get('/blobs/routing/model')).body.blob.id).toBe(blob.id);
    expect((await admin.get('/orgs/routing/blobs')).body.blobs.map((b: { id: string }) => b.id)).toEqual([blob.id]);
    // names of sub-resources would be unreachable by name, so they are refused
    for (const name of ['members', 'metadata', 'operations', 'revisions', 'credentials']) {
      const res = await admin.post('/orgs/routing/blobs', { name, type: 'workflow' });
      expect([res.status, errorCode(res)]).toEqual([400, 'bad_request']);
    }
  });
});

describe('the document is as strict and as complete as the server', () => {
  type Operation = {
    operationId: string;
    security: object[];
    responses: Record<string, { links?: Record<string, { operationId: string }>; headers?: Record<string, unknown> }>;
    parameters?: { name: string; schema: { pattern?: string } }[];
    requestBody?: { content: { 'application/json': { example?: unknown } } };
  };
  const operationsOf = (doc: { paths: Record<string, Record<string, Operation>> }) =>
    Object.entries(doc.paths).flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, op]) => ({ route: `${method} ${path}`, op })));
  const byRouteOf = (doc: { paths: Record<string, Record<string, Operation>> }) => new Map(operationsOf(doc).map(({ route, op }) => [route, op]));

  it('declares per route whether anonymous callers may use it, and answers as declared', async () => {
    const doc = (await p.anonymous.get('/v1/openapi.json')).body;
    const byRoute = byRouteOf(doc);
    expect(byRoute.get('post /orgs')!.security).toEqual([{ apiKey: [] }, { bearer: [] }]);
    expect(byRoute.get('get /blobs/{blob_id}')!.security).toEqual([{}, { apiKey: [] }, { bearer: [] }]);
    expect(byRoute.get('post /auth/login')!.security).toContainEqual({});
    for (const { route, op } of operationsOf(doc)) {
      expect(op.responses['401'], route).toBeDefined();
      expect(op.responses['429']?.headers, route).toHaveProperty('Retry-After');
      if (!route.startsWith('get ')) expect(op.responses['409'], route).toBeDefined();
      if (op.requestBody) expect(Object.keys(op.responses), route).toEqual(expect.arrayContaining(['400', '413', '415']));
    }
    // a route declared for signed-in callers only answers 401 to an anonymous one, not 404
    expect((await p.anonymous.get('/orgs/nobody-here')).status).toBe(401);
  });

  it('documents cursors and target ids with the patterns the server checks', async () => {
    const doc = (await p.anonymous.get('/v1/openapi.json')).body;
    const params = operationsOf(doc).flatMap(({ op }) => op.parameters ?? []);
    const cursors = params.filter((x) => x.name === 'cursor');
    expect(cursors.length).toBeGreaterThan(5);
    for (const cursor of cursors) expect(cursor.schema.pattern).toBeDefined();
    for (const targetId of params.filter((x) => x.name === 'target_id')) expect(targetId.schema.pattern).toBeDefined();
    // unstorable text (U+0000, unpaired surrogates) is refused in any key or string, so the document refuses it too
    const orgBody = byRouteOf(doc).get('post /orgs')!.requestBody!.content['application/json'] as unknown as {
      schema: { propertyNames: { pattern: string }; properties: { description: { pattern: string } } };
    };
    expect(new RegExp(orgBody.schema.propertyNames.pattern, 'u').test('a\u0000')).toBe(false);
    expect(new RegExp(orgBody.schema.properties.description.pattern, 'u').test('ok 😀')).toBe(true);
  });

  it('accepts every revision ref its pattern allows', async () => {
    await p.admin.post('/orgs', { name: 'refs' });
    await p.admin.post('/orgs/refs/blobs', { name: 'model', type: 'workflow' });
    for (const [ref, status] of [
      ['default', 200],
      ['1', 200],
      ['999999999', 404],
      [`rev_${'z'.repeat(26)}`, 404],
    ] as const) {
      expect((await p.admin.get(`/blobs/refs/model/revisions/${ref}`)).status, ref).toBe(status);
    }
  });

  it('links create → read → update → delete, with request examples the server accepts', async () => {
    const doc = (await p.anonymous.get('/v1/openapi.json')).body;
    const byRoute = byRouteOf(doc);
    const linksOf = (route: string) => Object.values(byRoute.get(route)!.responses['200']?.links ?? {}).map((l) => l.operationId);
    expect(linksOf('post /orgs')).toEqual(
      expect.arrayContaining(['get /orgs/{org_id}', 'patch /orgs/{org_id}', 'delete /orgs/{org_id}'].map((r) => byRoute.get(r)!.operationId)),
    );
    expect(linksOf('post /orgs/{org_id}/blobs')).toEqual(
      expect.arrayContaining(['get /blobs/{blob_id}', 'patch /blobs/{blob_id}', 'delete /blobs/{blob_id}'].map((r) => byRoute.get(r)!.operationId)),
    );

    const orgExample = byRoute.get('post /orgs')!.requestBody!.content['application/json'].example;
    const org = await p.admin.post('/orgs', orgExample);
    expect(org.status, JSON.stringify(org.body)).toBe(200);
    const blobExample = byRoute.get('post /orgs/{org_id}/blobs')!.requestBody!.content['application/json'].example;
    const blob = await p.admin.post(`/orgs/${org.body.org.id}/blobs`, blobExample);
    expect(blob.status, JSON.stringify(blob.body)).toBe(200);
  });
});
