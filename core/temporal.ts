import { Client, Connection } from '@temporalio/client';
import type { Config } from './config';

/** The BlobHub search attributes, registered on the Temporal namespace (SPEC §4). */
export const searchAttributes = ['BlobHubOrgId', 'BlobHubBlobId', 'BlobHubRevisionId', 'BlobHubSessionId', 'BlobHubDefinitionAlias'] as const;

export interface TemporalHandle {
  client: Client;
  connection: Connection;
  namespace: string;
  taskQueue: string;
  address: string;
  uiUrl: string;
  /** Link to a workflow in the Temporal UI. */
  workflowUrl(workflowId: string, runId?: string): string;
  close(): Promise<void>;
}

export async function connectTemporal(config: Config, address: string, devUiUrl?: string): Promise<TemporalHandle> {
  const connection = await Connection.connect({ address });
  const namespace = config.BLOBHUB_TEMPORAL_NAMESPACE;
  const client = new Client({ connection, namespace });
  const uiUrl = (config.BLOBHUB_TEMPORAL_UI_URL ?? devUiUrl ?? 'http://localhost:8233').replace(/\/$/, '');
  return {
    client,
    connection,
    namespace,
    taskQueue: config.BLOBHUB_TEMPORAL_TASK_QUEUE,
    address,
    uiUrl,
    workflowUrl(workflowId, runId) {
      const base = `${uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
      return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
    },
    close: () => connection.close(),
  };
}
