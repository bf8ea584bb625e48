/**
 * Issue 27, traces: with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a small OTLP/HTTP receiver (JSON,
 * in this test: a stand-in for a collector), one REST create_execution makes one trace that holds
 * the API's server span, the Temporal client's start, the workflow's run, its activities and the
 * PostgreSQL queries and S3 calls made under them (the run's output is large enough to be kept in S3).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { currentTracing } from '../../core/tracing';
import { s3Env } from '../support/minio';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { comp, data, definition, ENGINE, flow, newWorkflowBlob, upload, waitForStatus } from '../support/workflow';

/** start → logic.code making a 300 KiB text → end: values above 256 KiB are stored in the blob store (S3) */
const largeOutput = definition(
  [
    comp('s', 'flow.start'),
    comp('c', 'logic.code', { language: 'javascript', code: "set_data_output('big', create_value('text', 'x'.repeat(300 * 1024)));" }),
    comp('e', 'flow.end'),
  ],
  [flow('s', 'c'), flow('c', 'e'), data('c', 'big', 'e')],
);

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  service: string;
}

let receiver: http.Server;
let p: TestPlatform;
const received: ReceivedSpan[] = [];

/** OTLP/HTTP JSON: resourceSpans[].scopeSpans[].spans[], the service name among the resource's attributes. */
function collect(body: {
  resourceSpans?: { resource?: { attributes?: { key: string; value: { stringValue?: string } }[] }; scopeSpans?: { spans?: ReceivedSpan[] }[] }[];
}) {
  for (const resourceSpans of body.resourceSpans ?? []) {
    const service = resourceSpans.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
    for (const scope of resourceSpans.scopeSpans ?? []) for (const span of scope.spans ?? []) received.push({ ...span, service });
  }
}

function startReceiver() {
  receiver = http.createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString()));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.headers['content-type']?.startsWith('application/json')) collect(JSON.parse(text));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
}

beforeAll(async () => {
  await startReceiver();
  const endpoint = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  p = await startTestPlatform({ env: { ...s3Env(inject('s3'), 'traces'), OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_SERVICE_NAME: 'blobhub-test' } });
}, 180_000);

afterAll(async () => {
  await p?.close();
  receiver?.close();
});

it('traces one create_execution from the REST edge through the workflow and its activities to PostgreSQL and S3', async () => {
  const { revisionId } = await newWorkflowBlob(p.admin, 'traces');
  await upload(p.admin, revisionId, 'large', largeOutput);
  const created = await p.admin.data(revisionId, ENGINE, 'create_execution', { alias: 'large' });
  expect(created.status).toBe(200);
  expect((await waitForStatus(p.admin, revisionId, created.body.execution.id)).status).toBe('completed');

  const edge = () =>
    received.find(
      (span) => span.name === 'POST /v1/revisions/{revision_id}/data' && trace(span.traceId).some((s) => s.name === 'StartWorkflow:blobhubExecution'),
    );
  const trace = (traceId: string) => received.filter((span) => span.traceId === traceId);
  await expect
    .poll(
      async () => {
        await currentTracing()!.flush();
        const root = edge();
        return root ? trace(root.traceId).map((span) => span.name) : [];
      },
      { timeout: 30_000 },
    )
    .toEqual(expect.arrayContaining(['StartWorkflow:blobhubExecution', 'RunWorkflow:blobhubExecution', 'RunActivity:logic.code', 'S3.PutObject']));

  const spans = trace(edge()!.traceId);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const ancestors = (span: ReceivedSpan): string[] => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return parent ? [parent.name, ...ancestors(parent)] : [];
  };
  // the API's span is the root; PostgreSQL queries run under the request and under the activities, S3 under the component's activity
  expect(spans.find((span) => span.name.startsWith('POST '))?.parentSpanId || undefined).toBeUndefined();
  const queries = spans.filter((span) => span.name.startsWith('drizzle.'));
  expect(queries.some((query) => ancestors(query)[0]?.startsWith('POST '))).toBe(true);
  expect(queries.some((query) => ancestors(query).includes('RunActivity:workflow.load'))).toBe(true);
  expect(ancestors(spans.find((span) => span.name === 'S3.PutObject')!)).toContain('RunActivity:logic.code');
  expect(ancestors(spans.find((span) => span.name === 'RunActivity:logic.code')!)).toEqual(
    expect.arrayContaining(['RunWorkflow:blobhubExecution', 'StartWorkflow:blobhubExecution']),
  );
  expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['blobhub-test']));
});
