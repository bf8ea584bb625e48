/**
 * The workflow engine's commands, sent like every engine command through the typed `data`
 * procedures (POST /revisions/:id/data); the reading ones as `useQuery` options. Result types
 * come from the SDK.
 */
import type { BlobHubEvent, CatalogEntry, DefinitionError, Execution, WorkflowDefinition } from '../../../../sdk/browser';
import { engineCommands } from './engine';

export const WORKFLOW_ENGINE = 'workflow_blobhub';

export type { Execution };
export type ExecutionStatus = Execution['status'];
export type ExecutionEvent = BlobHubEvent;

export interface DefinitionSummary {
  id: string;
  alias: string;
  content_hash: string;
  updated_at: string;
}

export interface SessionObjectSummary {
  alias: string;
  type: string;
  updated_at: string;
}

const { command, query, key } = engineCommands(WORKFLOW_ENGINE);

/** Keys of the engine's queries on a revision, to invalidate them. */
export const workflowKey = key;

export const workflow = {
  listDefinitions: (revisionId: string) => query<{ definitions: DefinitionSummary[] }>(revisionId, 'list_definitions', { limit: 100 }),
  getDefinition: (revisionId: string, alias: string) =>
    query<{ definition: DefinitionSummary & { definition: WorkflowDefinition } }>(revisionId, 'get_definition', { alias }),
  uploadDefinition: (revisionId: string, alias: string, definition: WorkflowDefinition) =>
    command<{ definition: DefinitionSummary }>('command', revisionId, 'upload_definition', { alias, definition }),
  validateDefinition: (revisionId: string, definition: WorkflowDefinition) =>
    command<{ valid: boolean; errors: DefinitionError[] }>('query', revisionId, 'validate_definition', { definition }),
  listComponentTypes: (revisionId: string) => query<{ component_types: CatalogEntry[] }>(revisionId, 'list_component_types', {}),
  createSession: (revisionId: string, name: string) => command<{ session: { id: string; name: string } }>('command', revisionId, 'create_session', { name }),
  listSessionObjects: (revisionId: string, sessionId: string) =>
    query<{ session_objects: SessionObjectSummary[] }>(revisionId, 'list_session_objects', { session_id: sessionId }),
  downloadSessionObject: (revisionId: string, sessionId: string, alias: string) =>
    query<{ session_object: { alias: string; value: unknown } }>(revisionId, 'download_session_object', { session_id: sessionId, alias }),
  listExecutions: (revisionId: string, params: { status?: ExecutionStatus; cursor?: string; limit?: number }) =>
    query<{ executions: Execution[]; cursor: string | null }>(revisionId, 'list_executions', params),
  getExecution: (revisionId: string, executionId: string) => query<{ execution: Execution }>(revisionId, 'get_execution', { execution_id: executionId }),
  createExecution: (revisionId: string, params: { alias: string; session_id?: string; input_data?: unknown[] }) =>
    command<{ execution: Execution }>('command', revisionId, 'create_execution', params),
  cancelExecution: (revisionId: string, executionId: string) =>
    command<{ execution: Execution }>('command', revisionId, 'cancel_execution', { execution_id: executionId }),
  getExecutionData: (revisionId: string, executionId: string, dataId: string) =>
    query<{ data: { id: string; value: unknown; created_at: string } }>(revisionId, 'get_execution_data', {
      execution_id: executionId,
      data_id: dataId,
    }),
  signalExecution: (revisionId: string, executionId: string, name: string, payload: unknown) =>
    command<object>('command', revisionId, 'signal_execution', { execution_id: executionId, name, payload }),
};

/** The hint under every JSON field of a workflow's input data. */
export const inputDataHint = 'e.g. [{"alias": "n", "value": {"type": "integer", "integer": 10}}]';
