/**
 * The workflow engine's commands, sent like every engine command through the typed `data`
 * procedures (POST /revisions/:id/data). Result types come from the engine's own code.
 */
import type { eventToWire } from '../../../../core/events';
import type { CatalogEntry } from '../../../../engines/workflow/components/catalog';
import type { ExecutionWire } from '../../../../engines/workflow/executions';
import type { WorkflowDefinition } from '../../../../engines/workflow/model';
import type { DefinitionError } from '../../../../engines/workflow/validate';
import { engineCommands } from './engine';

export const WORKFLOW_ENGINE = 'workflow_blobhub';

export type Execution = ExecutionWire;
export type ExecutionStatus = Execution['status'];
export type ExecutionEvent = ReturnType<typeof eventToWire>;

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

const command = engineCommands(WORKFLOW_ENGINE);

export const workflow = {
  listDefinitions: (revisionId: string) => command<{ definitions: DefinitionSummary[] }>('query', revisionId, 'list_definitions', { limit: 100 }),
  getDefinition: (revisionId: string, alias: string) =>
    command<{ definition: DefinitionSummary & { definition: WorkflowDefinition } }>('query', revisionId, 'get_definition', { alias }),
  uploadDefinition: (revisionId: string, alias: string, definition: WorkflowDefinition) =>
    command<{ definition: DefinitionSummary }>('command', revisionId, 'upload_definition', { alias, definition }),
  validateDefinition: (revisionId: string, definition: WorkflowDefinition) =>
    command<{ valid: boolean; errors: DefinitionError[] }>('query', revisionId, 'validate_definition', { definition }),
  listComponentTypes: (revisionId: string) => command<{ component_types: CatalogEntry[] }>('query', revisionId, 'list_component_types', {}),
  createSession: (revisionId: string, name: string) => command<{ session: { id: string; name: string } }>('command', revisionId, 'create_session', { name }),
  listSessionObjects: (revisionId: string, sessionId: string) =>
    command<{ session_objects: SessionObjectSummary[] }>('query', revisionId, 'list_session_objects', { session_id: sessionId }),
  downloadSessionObject: (revisionId: string, sessionId: string, alias: string) =>
    command<{ session_object: { alias: string; value: unknown } }>('query', revisionId, 'download_session_object', { session_id: sessionId, alias }),
  listExecutions: (revisionId: string, params: { status?: ExecutionStatus; cursor?: string; limit?: number }) =>
    command<{ executions: Execution[]; cursor: string | null }>('query', revisionId, 'list_executions', params),
  getExecution: (revisionId: string, executionId: string) =>
    command<{ execution: Execution }>('query', revisionId, 'get_execution', { execution_id: executionId }),
  createExecution: (revisionId: string, params: { alias: string; session_id?: string; input_data?: unknown[] }) =>
    command<{ execution: Execution }>('command', revisionId, 'create_execution', params),
  cancelExecution: (revisionId: string, executionId: string) =>
    command<{ execution: Execution }>('command', revisionId, 'cancel_execution', { execution_id: executionId }),
  getExecutionData: (revisionId: string, executionId: string, dataId: string) =>
    command<{ data: { id: string; value: unknown; created_at: string } }>('query', revisionId, 'get_execution_data', {
      execution_id: executionId,
      data_id: dataId,
    }),
  signalExecution: (revisionId: string, executionId: string, name: string, payload: unknown) =>
    command<object>('command', revisionId, 'signal_execution', { execution_id: executionId, name, payload }),
};

/** The hint under every JSON field of a workflow's input data. */
export const inputDataHint = 'e.g. [{"alias": "n", "value": {"type": "integer", "integer": 10}}]';
