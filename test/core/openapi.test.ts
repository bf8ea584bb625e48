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

  it('describes every procedure of the router with its request and response schemas', async () => {
    const doc = (await p.anonymous.get('/v1/openapi.json')).body;
    const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, OpenApiMetaOf>);
    expect(procedures.length).toBeGreaterThan(20);
    for (const [name, procedure] of procedures) {
      const openapi = procedure._def.meta?.openapi;
      expect(openapi, `${name} has no REST route`).toBeDefined();
      const operation = doc.paths[openapi!.path]?.[openapi!.method.toLowerCase()];
      expect(operation, `${name}: ${openapi!.method} ${openapi!.path} missing`).toBeDefined();
      expect(operation.responses['200'].content['application/json'].schema, name).toBeDefined();
      // errors are documented in the SPEC shape the server actually sends
      for (const [status, response] of Object.entries(operation.responses as Record<string, { content: unknown }>)) {
        if (Number(status) >= 400) expect(response.content, `${name} ${status}`).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
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
