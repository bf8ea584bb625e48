/**
 * Types of the engine data commands, derived from the engines' own command maps and wire
 * functions (type-only imports: nothing of the server is bundled into a client).
 */
import type { z } from 'zod';
import type { eventToWire } from '../core/events';
import type { onnxCommands } from '../engines/onnx';
import type { modelWire } from '../engines/onnx/files';
import type { schedulerCommands } from '../engines/scheduler/commands';
import type { scheduleWire } from '../engines/scheduler/store';
import type { definitionCommands } from '../engines/workflow/commands/definitions';
import type { executionCommands } from '../engines/workflow/commands/executions';
import type { sessionCommands } from '../engines/workflow/commands/sessions';
import type { toExecutionWire } from '../engines/workflow/executions';
import type { ValueObject } from '../engines/workflow/model';

export interface EngineCommandMaps {
  workflow_blobhub: typeof definitionCommands & typeof sessionCommands & typeof executionCommands;
  scheduler_blobhub: typeof schedulerCommands;
  onnx_blobhub: typeof onnxCommands;
}
export type EngineName = keyof EngineCommandMaps;
export type CommandName<E extends EngineName> = keyof EngineCommandMaps[E] & string;

/** The parameters a command accepts, as its zod schema reads them (defaults optional). */
export type CommandParams<E extends EngineName, C extends CommandName<E>> = EngineCommandMaps[E][C] extends { input: infer S extends z.ZodType }
  ? z.input<S>
  : never;

export type BlobHubEvent = ReturnType<typeof eventToWire>;
export type Execution = ReturnType<typeof toExecutionWire>;
export type Schedule = Awaited<ReturnType<typeof scheduleWire>>;
export type OnnxModel = ReturnType<typeof modelWire>;
export type { ValueObject };
