/**
 * The workflow_definition document (docs/spec.md §4) and BlobHub value objects, as zod schemas.
 * Structural checks only; graph-level checks live in validate.ts.
 */
import { z } from 'zod';
import { componentPort } from './components/ports';

export const valueObject = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text'), text: z.string() }),
  z.object({ type: z.literal('integer'), integer: z.number().int() }),
  z.object({ type: z.literal('float'), float: z.number() }),
  z.object({ type: z.literal('boolean'), flag: z.boolean() }),
  z.object({ type: z.literal('choice'), id: z.string() }),
  z.object({ type: z.literal('json'), json: z.unknown() }),
  z.object({
    type: z.literal('message'),
    message: z.looseObject({ role: z.string(), content: z.array(z.unknown()), attributes: z.record(z.string(), z.unknown()).optional() }),
  }),
  z.object({ type: z.literal('messages'), messages: z.array(z.unknown()) }),
]);
export type ValueObject = z.infer<typeof valueObject>;

export const inputData = z.array(z.object({ alias: z.string().min(1).max(128), value: valueObject })).max(100);
export type InputData = z.infer<typeof inputData>;

export const retryPolicy = z.object({
  maximum_attempts: z.number().int().min(1).max(100).optional(),
  initial_interval_ms: z.number().int().min(1).max(86_400_000).optional(),
  backoff: z.number().min(1).max(10).optional(),
  maximum_interval_ms: z.number().int().min(1).max(86_400_000).optional(),
});
export type RetryPolicy = z.infer<typeof retryPolicy>;

export const CONTROL_OUTPUT = 'flow_output';
export const CONTROL_INPUT = 'flow_input';

const id = z.string().min(1).max(128);

export const component = z.object({
  id,
  category: z.string().min(1).max(64),
  type: z.string().min(1).max(128),
  name: z.string().max(256).default(''),
  position: z.object({ x: z.number(), y: z.number() }).optional(),
  config: z.unknown().optional(),
  /** BlobHub's form of configuration, kept as written (components/ports.ts reads it) */
  ports: z.array(componentPort).max(100).optional(),
  retry: retryPolicy.optional(),
  timeout_ms: z
    .number()
    .int()
    .min(1)
    .max(7 * 86_400_000)
    .optional(),
});
export type Component = z.infer<typeof component>;

export const connection = z.object({
  id,
  source_id: id,
  target_id: id,
  source_port: z.string().min(1).max(128),
  target_port: z.string().min(1).max(128),
  /** control connections only: the route of the source that follows this connection */
  route: z.string().min(1).max(128).optional(),
});
export type Connection = z.infer<typeof connection>;

export const workflowDefinition = z.object({
  type: z.literal('workflow_definition'),
  version: z.string().min(1).max(32),
  components: z.array(component).max(1000),
  connections: z.array(connection).max(5000),
});
export type WorkflowDefinition = z.infer<typeof workflowDefinition>;

export const isControl = (c: Connection) => c.source_port === CONTROL_OUTPUT && c.target_port === CONTROL_INPUT;
