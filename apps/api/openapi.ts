/**
 * The OpenAPI document of `/v1`, as honest as the server: per-route security, every error status a
 * route can answer, the REST dialect's bodies, request examples, and the links that let a client
 * (or a fuzzer's stateful phase) chain create → read → update → delete.
 */
import { generateOpenApiDocument } from 'trpc-to-openapi';
import { allEngines } from '../../core/engines';
import { toRestSchema } from '../../http/dialect';
import { appRouter } from './router';
import type { ProcedureMeta } from './trpc';

type Document = ReturnType<typeof generateOpenApiDocument>;
type SchemaObject = NonNullable<NonNullable<Document['components']>['schemas']>[string];
interface Response {
  description?: string;
  content?: { 'application/json'?: { schema?: unknown } };
  links?: Record<string, { operationId: string; parameters: Record<string, string> }>;
}
interface Operation {
  operationId: string;
  description?: string;
  security?: Record<string, string[]>[];
  parameters?: { schema?: unknown }[];
  requestBody?: { content: { 'application/json': { schema: unknown; example?: unknown } } };
  responses: Record<string, Response>;
}

/** The REST error body (BlobHub's dialect, core/dialect.ts), which is what every REST error response carries. */
const errorSchema: SchemaObject = {
  type: 'object',
  required: ['status', 'error', 'message'],
  properties: {
    status: { type: 'string', enum: ['error'] },
    error: { type: 'string', description: 'lower snake case, e.g. bad_request, not_found, conflict' },
    message: { type: 'string' },
    details: { description: 'e.g. the zod issues of a bad_request' },
  },
};

/** Every REST success body also carries `"status": "success"` (core/dialect.ts). */
const successSchema: SchemaObject = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['success'] } } };

/**
 * The server refuses U+0000 and unpaired surrogates in any string or key of a request
 * (apps/api/trpc.ts), because PostgreSQL cannot store them: the document says so for every string.
 * The pattern names U+0000 only: code-point patterns cannot name a lone surrogate portably (and
 * schemathesis drops such a pattern), which StorableJson's description states.
 */
const storableText = '^[^\\u0000]*$';
const storableJsonRef = { $ref: '#/components/schemas/StorableJson' };
const storableJson: SchemaObject = {
  description: 'Any JSON whose strings and keys PostgreSQL can store: no U+0000 and no unpaired surrogate anywhere',
  anyOf: [
    { type: 'string', pattern: storableText },
    { type: ['number', 'boolean', 'null'] },
    { type: 'array', items: storableJsonRef },
    { type: 'object', propertyNames: { pattern: storableText }, additionalProperties: storableJsonRef },
  ],
};

/** A request schema with storable text only: strings get the pattern, open objects and `{}` take StorableJson. */
function storable(schema: unknown): unknown {
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return schema;
  const s = schema as Record<string, unknown>;
  if (Object.keys(s).length === 0 || (Object.keys(s).length === 1 && 'description' in s)) return { ...s, ...storableJsonRef };
  const out: Record<string, unknown> = { ...s };
  const types = ([] as unknown[]).concat(s.type ?? []);
  if (types.includes('string') && !s.pattern && !s.enum) out.pattern = storableText;
  if (types.includes('object')) {
    out.propertyNames = { pattern: storableText };
    out.additionalProperties =
      s.additionalProperties === false
        ? false
        : s.additionalProperties && Object.keys(s.additionalProperties).length
          ? storable(s.additionalProperties)
          : storableJsonRef;
  }
  if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, storable(v)]));
  if (s.items) out.items = storable(s.items);
  for (const key of ['anyOf', 'oneOf', 'allOf'] as const) if (Array.isArray(s[key])) out[key] = (s[key] as unknown[]).map(storable);
  return out;
}

const signedIn = [{ apiKey: [] }, { bearer: [] }];
/** Anonymous callers may use the route too (public reads, sign-in); a credential, if sent, must be valid. */
const anyCaller = [{}, ...signedIn];

const errorDescriptions: Record<string, string> = {
  400: 'Invalid input (bad_request, invalid_cursor)',
  401: 'No credential where one is required, or an invalid one in any header (unauthenticated)',
  403: 'The caller may read but not do this (forbidden)',
  404: 'No such resource, or not visible to the caller (not_found)',
  409: 'The resource’s state forbids it (conflict)',
  413: 'The JSON body is over 1 MiB (payload_too_large)',
  415: 'The body is not application/json (unsupported_media_type)',
  429: 'Too many requests: the per-minute budget of the credential or of its organization’s API keys is spent (rate_limited)',
  500: 'Internal error',
};

/** Sent with every 429 (http/rate-limit.ts). */
const retryAfterHeader = { 'Retry-After': { description: 'seconds until the budget allows the request', schema: { type: 'integer', minimum: 1 } } };

/** The error statuses an operation can answer: which depends on its inputs and its method. */
function errorStatusesOf(method: string, operation: Operation): string[] {
  const hasInput = Boolean(operation.parameters?.length || operation.requestBody);
  return [
    ...(hasInput ? ['400'] : []),
    '401',
    '403',
    ...(hasInput ? ['404'] : []),
    ...(method !== 'get' ? ['409'] : []),
    ...(operation.requestBody ? ['413', '415'] : []),
    '429',
    '500',
  ];
}

/** Request body examples, for readers and the fuzzer's examples phase. */
/** Exactly one of two fields, which a zod refine checks but the generated schema cannot say. */
const exactlyOneOf = (a: string, b: string) => ({
  oneOf: [
    { required: [a], not: { required: [b] } },
    { required: [b], not: { required: [a] } },
  ],
});
const bodyConstraints: Record<string, object> = {
  'post /{target}/{target_id}/members': exactlyOneOf('user_id', 'email'),
};

const requestExamples: Record<string, unknown> = {
  'post /orgs': { name: 'acme', display_name: 'Acme', description: 'Models and workflows of Acme' },
  'patch /orgs/{org_id}': { display_name: 'Acme Inc.', description: 'Acme’s blobs' },
  'post /orgs/{org_id}/blobs': { name: 'pipeline', type: 'workflow', visibility: 'private', description: 'The nightly pipeline' },
  'patch /blobs/{blob_id}': { visibility: 'public', description: 'The nightly pipeline, public' },
  'post /blobs/{blob_id}/revisions': { comment: 'next iteration' },
  'post /users': { email: 'ada@example.com', name: 'Ada', password: 'correct horse battery' },
  'post /auth/login': { email: 'ada@example.com', password: 'correct horse battery' },
  'put /{target}/{target_id}/metadata/{key}': { value: { owner: 'data-team' } },
};

/** Links from a response to the operations its ids feed: [from, name, to, parameters]. */
const links: [from: string, name: string, to: string, parameters: Record<string, string>][] = [
  ['post /orgs', 'GetOrg', 'get /orgs/{org_id}', { org_id: '$response.body#/org/id' }],
  ['post /orgs', 'UpdateOrg', 'patch /orgs/{org_id}', { org_id: '$response.body#/org/id' }],
  ['post /orgs', 'CreateBlob', 'post /orgs/{org_id}/blobs', { org_id: '$response.body#/org/id' }],
  ['post /orgs', 'ListBlobs', 'get /orgs/{org_id}/blobs', { org_id: '$response.body#/org/id' }],
  ['post /orgs', 'DeleteOrg', 'delete /orgs/{org_id}', { org_id: '$response.body#/org/id' }],
  ['post /orgs/{org_id}/blobs', 'GetBlob', 'get /blobs/{blob_id}', { blob_id: '$response.body#/blob/id' }],
  ['post /orgs/{org_id}/blobs', 'UpdateBlob', 'patch /blobs/{blob_id}', { blob_id: '$response.body#/blob/id' }],
  ['post /orgs/{org_id}/blobs', 'ListRevisions', 'get /blobs/{blob_id}/revisions', { blob_id: '$response.body#/blob/id' }],
  ['post /orgs/{org_id}/blobs', 'GetRevision', 'get /revisions/{revision_id}', { revision_id: '$response.body#/revision/id' }],
  ['post /orgs/{org_id}/blobs', 'CommitRevision', 'post /revisions/{revision_id}/commit', { revision_id: '$response.body#/revision/id' }],
  ['post /orgs/{org_id}/blobs', 'DeleteBlob', 'delete /blobs/{blob_id}', { blob_id: '$response.body#/blob/id' }],
  ['post /blobs/{blob_id}/revisions', 'GetDraft', 'get /revisions/{revision_id}', { revision_id: '$response.body#/revision/id' }],
  ['post /blobs/{blob_id}/revisions', 'DeleteDraft', 'delete /revisions/{revision_id}', { revision_id: '$response.body#/revision/id' }],
  ['get /{target}/{target_id}/operations', 'GetOperation', 'get /operations/{operation_id}', { operation_id: '$response.body#/operations/0/id' }],
];

/** Which procedures need a signed-in caller, by `method path`. */
function authRequiredRoutes(): Set<string> {
  const procedures = Object.values(appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>);
  return new Set(
    procedures
      .filter((p) => p._def.meta?.auth === 'required' && p._def.meta.openapi)
      .map((p) => `${p._def.meta!.openapi!.method.toLowerCase()} ${p._def.meta!.openapi!.path}`),
  );
}

/** The data routes carry the engines' commands in their body: each route lists the commands it runs. */
const dataRoutes: Record<string, 'any' | 'command' | 'query'> = {
  'post /revisions/{revision_id}/data': 'any',
  'post /revisions/{revision_id}/data/command': 'command',
  'post /revisions/{revision_id}/data/query': 'query',
};

function engineCommandsText(mode: 'any' | 'command' | 'query'): string {
  const lines = allEngines().map((engine) => {
    const names = Object.entries(engine.commands)
      .filter(([, command]) => mode === 'any' || command.kind === mode)
      .map(([name, command]) => (mode === 'any' ? `${name} (${command.kind})` : name));
    return `- \`${engine.name}\` (${engine.blobType} blobs): ${names.join(', ')}`;
  });
  return `The body is \`{command, …its parameters}\`; the revision's blob type names the engine. Commands (parameters: docs/spec.md, docs/<engine>.md):\n\n${lines.join('\n')}`;
}

export function openApiDocument(baseUrl: string) {
  const doc = generateOpenApiDocument(appRouter, {
    title: 'BlobHub API',
    version: '1.0.0',
    baseUrl,
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An access token from /auth/login, or an API key' },
      apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
    },
  });
  doc.components = { ...doc.components, schemas: { ...doc.components?.schemas, Error: errorSchema, Success: successSchema, StorableJson: storableJson } };
  const authRequired = authRequiredRoutes();
  const operations = new Map<string, Operation>();
  for (const [path, byMethod] of Object.entries(doc.paths ?? {})) {
    for (const [method, operation] of Object.entries(byMethod as Record<string, Operation>)) {
      const route = `${method} ${path}`;
      operations.set(route, operation);
      operation.security = authRequired.has(route) ? signedIn : anyCaller;
      const json = operation.responses['200']?.content?.['application/json'];
      if (json?.schema) json.schema = { allOf: [{ $ref: '#/components/schemas/Success' }, toRestSchema(json.schema)] };
      for (const status of Object.keys(operation.responses)) if (Number(status) >= 400) delete operation.responses[status];
      for (const status of errorStatusesOf(method, operation)) {
        operation.responses[status] = {
          description: errorDescriptions[status],
          ...(status === '429' && { headers: retryAfterHeader }),
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        };
      }
      for (const parameter of operation.parameters ?? []) parameter.schema = storable(parameter.schema);
      const body = operation.requestBody?.content['application/json'];
      if (body) body.schema = { ...(storable(body.schema) as object), ...bodyConstraints[route] };
      if (body && requestExamples[route]) body.example = requestExamples[route];
      const dataMode = dataRoutes[route];
      if (dataMode) operation.description = engineCommandsText(dataMode);
    }
  }
  for (const [from, name, to, parameters] of links) {
    const success = operations.get(from)!.responses['200'];
    if (!success) throw new Error(`the link ${name} starts at ${from}, which has no 200 response`);
    success.links = { ...success.links, [name]: { operationId: operations.get(to)!.operationId, parameters } };
  }
  return doc;
}
