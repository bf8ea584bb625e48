import { Client, Connection, type TLSConfig } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import { usesTemporalTls, type Config } from './config';
import { currentTracing } from './tracing';

/** The BlobHub search attributes, registered on the Temporal namespace (docs/spec.md §4). */
export const searchAttributes = ['BlobHubOrgId', 'BlobHubBlobId', 'BlobHubRevisionId', 'BlobHubSessionId', 'BlobHubDefinitionAlias'] as const;

/** Where a Temporal server listens: its gRPC frontend, and (a dev server child says) its UI, HTTP API and metrics. */
export interface TemporalEndpoints {
  address: string;
  uiUrl?: string;
  httpAddress?: string;
  metricsAddress?: string;
}

/** Temporal's own default port for its frontend's HTTP API. */
const TEMPORAL_DEFAULT_HTTP_PORT = 7243;

/**
 * How the API's client and the worker's native connection reach the frontend: TLS (the system's
 * CAs or BLOBHUB_TEMPORAL_TLS_CA_FILE), mTLS with a client certificate, a server name override,
 * a Temporal Cloud API key. Both connection kinds take this same shape.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

export function temporalConnectionOptions(config: Config, address: string): TemporalConnectionOptions {
  if (!usesTemporalTls(config)) return { address };
  const cert = config.BLOBHUB_TEMPORAL_TLS_CERT_FILE;
  const key = config.BLOBHUB_TEMPORAL_TLS_KEY_FILE;
  const tls: TLSConfig = {
    serverRootCACertificate: config.BLOBHUB_TEMPORAL_TLS_CA_FILE,
    serverNameOverride: config.BLOBHUB_TEMPORAL_TLS_SERVER_NAME,
    clientCertPair: cert && key ? { crt: cert, key } : undefined,
  };
  return { address, tls, apiKey: config.BLOBHUB_TEMPORAL_API_KEY };
}

export interface TemporalHandle {
  client: Client;
  connection: Connection;
  /** what the worker's native connection is opened with (TLS, API key) */
  connectionOptions: TemporalConnectionOptions;
  namespace: string;
  taskQueue: string;
  /** the gRPC frontend */
  address: string;
  uiUrl: string;
  /** the HTTP API (host:port) */
  httpAddress: string;
  /** the Prometheus metrics (host:port), when known */
  metricsAddress?: string;
  /** Link to a workflow in the Temporal UI. */
  workflowUrl(workflowId: string, runId?: string): string;
  close(): Promise<void>;
}

/** Connects to Temporal at `endpoints.address`; the config says where its other endpoints are, else `endpoints`, else Temporal's defaults. */
export async function connectTemporal(config: Config, endpoints: TemporalEndpoints): Promise<TemporalHandle> {
  const { address } = endpoints;
  const connectionOptions = temporalConnectionOptions(config, address);
  const connection = await Connection.connect(connectionOptions);
  const namespace = config.BLOBHUB_TEMPORAL_NAMESPACE;
  // with tracing on, a workflow start carries the caller's trace to the workflow
  const interceptors = currentTracing() ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
  const client = new Client({ connection, namespace, interceptors });
  const uiUrl = (config.BLOBHUB_TEMPORAL_UI_URL ?? endpoints.uiUrl ?? 'http://localhost:8233').replace(/\/$/, '');
  const temporalHost = address.slice(0, address.lastIndexOf(':'));
  return {
    client,
    connection,
    connectionOptions,
    namespace,
    taskQueue: config.BLOBHUB_TEMPORAL_TASK_QUEUE,
    address,
    uiUrl,
    httpAddress: config.BLOBHUB_TEMPORAL_HTTP_ADDRESS ?? endpoints.httpAddress ?? `${temporalHost}:${TEMPORAL_DEFAULT_HTTP_PORT}`,
    metricsAddress: config.BLOBHUB_TEMPORAL_METRICS_ADDRESS ?? endpoints.metricsAddress,
    workflowUrl(workflowId, runId) {
      const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
      return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
    },
    close: () => connection.close(),
  };
}
