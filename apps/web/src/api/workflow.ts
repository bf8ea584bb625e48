/**
 * What the pages share about the workflow engine's commands. The commands themselves are the
 * typed procedures under `workflow_blobhub`: `queries.workflow_blobhub.<command>` for reads,
 * `api.workflow_blobhub.<command>` for changes; result types come from the SDK.
 */
import type { BlobHubEvent, CommandParams, Execution } from '../../../../sdk/browser';
import { parseJsonInput } from '../ui/json';

export type { Execution };
export type ExecutionStatus = Execution['status'];
export type ExecutionEvent = BlobHubEvent;
/** An execution's inputs, as `create_execution` takes them. */
export type InputData = NonNullable<CommandParams<'workflow_blobhub', 'create_execution'>['input_data']>;

/** The hint under every JSON field of a workflow's input data. */
export const inputDataHint = 'e.g. [{"alias": "n", "value": {"type": "integer", "integer": 10}}]';

/** Input data as a person typed it (JSON): the server checks its entries, so only text that is not JSON is refused here. */
export const parseInputData = (text: string) => parseJsonInput('The input data', text) as InputData;
