/**
 * OpenTelemetry traces, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, and not
 * set up at all otherwise (no provider, no interceptors, no instrumentation: nothing to pay).
 * One trace follows a request from the REST/tRPC edge through the Temporal client, the workflow
 * and its activities (Temporal's OpenTelemetry interceptors carry the context in headers) down
 * to the PostgreSQL queries and S3 calls they make.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Config } from './config';

export interface Tracing {
  resource: Resource;
  /** where the worker's workflow spans go too (they leave the workflow sandbox through a sink) */
  spanProcessor: SpanProcessor;
  /** exports what is still buffered */
  flush(): Promise<void>;
}

let tracing: Tracing | undefined;

/** Starts tracing for the process once, when an OTLP endpoint is configured; the tracing in force, if any. */
export function startTracing(config: Pick<Config, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>): Tracing | undefined {
  if (tracing || !config.OTEL_EXPORTER_OTLP_ENDPOINT) return tracing;
  const resource = new Resource({ [ATTR_SERVICE_NAME]: config.OTEL_SERVICE_NAME ?? 'blobhub' });
  const url = `${config.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/$/, '')}/v1/traces`;
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  // the global tracer, AsyncLocalStorage context and W3C trace-context propagation
  provider.register();
  tracing = { resource, spanProcessor, flush: () => provider.forceFlush() };
  return tracing;
}

export const currentTracing = (): Tracing | undefined => tracing;

const tracer = () => trace.getTracer('blobhub');

/**
 * Runs `fn` in a server span continuing the caller's trace (a `traceparent` header), ended when the
 * response is: `end` is called with the status the client got.
 */
export function inServerSpan<T>(name: string, carrier: Record<string, unknown>, attributes: Attributes, fn: (end: (status: number) => void) => T): T {
  if (!tracing) return fn(() => {});
  const parent = propagation.extract(context.active(), carrier);
  return tracer().startActiveSpan(name, { kind: SpanKind.SERVER, attributes }, parent, (span) =>
    fn((status) => {
      span.setAttribute('http.response.status_code', status);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    }),
  );
}

/** Every command the S3 client sends becomes a client span (`S3.PutObject`, …), when tracing is on. */
export function traceS3Commands(client: S3Client): void {
  if (!tracing) return;
  client.middlewareStack.add(
    (next, handlerContext) => (args) =>
      tracer().startActiveSpan(
        `S3.${String(handlerContext.commandName).replace(/Command$/, '')}`,
        { kind: SpanKind.CLIENT, attributes: { 'rpc.system': 'aws-api', 'rpc.service': 'S3' } },
        (span: Span) =>
          next(args).then(
            (result) => (span.end(), result),
            (error: unknown) => {
              span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.name : String(error) });
              span.end();
              throw error;
            },
          ),
      ),
    { step: 'initialize', name: 'blobhubTracing' },
  );
}
