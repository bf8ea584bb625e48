/**
 * Types of the engine data commands, inferred from the engines' typed routers on the server's
 * router (type-only imports: nothing of the server is bundled into a client).
 */
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '../apps/api/router';
import type { ValueObject } from '../engines/workflow/model';

type Inputs = inferRouterInputs<AppRouter>;
type Outputs = inferRouterOutputs<AppRouter>;

/** The engines' routers are merged under the engines' names (`workflow_blobhub`, …). */
export type EngineName = Extract<keyof AppRouter['_def']['record'], `${string}_blobhub`>;
export type CommandName<E extends EngineName> = keyof Inputs[E] & string;

/** The parameters a command accepts, as its zod schema reads them (defaults optional), without the procedure's `revision_id`. */
export type CommandParams<E extends EngineName, C extends CommandName<E>> = Inputs[E][C] extends infer I
  ? I extends unknown
    ? Omit<I, 'revision_id'>
    : never
  : never;
/** What a command answers. */
export type CommandOutput<E extends EngineName, C extends CommandName<E>> = Outputs[E][C];

/** An event as it travels (JSON: fields that are undefined are absent), stored or live. */
export type BlobHubEvent = CommandOutput<'workflow_blobhub', 'list_execution_events'>['events'][number];
export type Execution = CommandOutput<'workflow_blobhub', 'get_execution'>['execution'];
/** An output value as the server sends it (a value too large to travel inline comes as a `data_id` reference instead). */
export type OutputValue = Extract<NonNullable<Execution['output_data']>[number], { value: unknown }>['value'];
export type Schedule = CommandOutput<'scheduler_blobhub', 'get_schedule'>['schedule'];
/** A webhook trigger of a workflow blob (its secret is in the answers of create_trigger and rotate_trigger_secret only). */
export type Trigger = CommandOutput<'workflow_blobhub', 'get_trigger'>['trigger'];
/** One fire of a schedule (JSON: its `result` and `invocation_target` may be absent). */
export type ScheduleExecution = CommandOutput<'scheduler_blobhub', 'list_executions'>['executions'][number];
export type OnnxDescription = CommandOutput<'onnx_blobhub', 'describe'>;
export type OnnxModel = NonNullable<OnnxDescription['model']>;
/** A component type of the editor's catalog, as it travels (JSON: a `config_schema` may be absent). */
export type CatalogEntry = CommandOutput<'workflow_blobhub', 'list_component_types'>['component_types'][number];
export type { ValueObject };
