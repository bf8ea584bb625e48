/**
 * data.transform: reshapes JSON with a JSONata expression (https://jsonata.org). The expression is
 * parsed when the definition is uploaded or validated, so a syntax error names its position then;
 * at run time it is evaluated in a thread of its own (jsonata-thread.ts) under JSONata's
 * guardrails (time limit, recursion depth, sequence length), so a runaway expression fails the
 * component instead of holding the worker.
 */
import jsonata from 'jsonata';
import { z } from 'zod';
import type { App } from '../../../core/app';
import { primitiveOf } from '../values';
import { evaluateJsonata } from './jsonata-thread';
import { ComponentError, type ComponentType } from './registry';

const DEFAULT_TIME_LIMIT_MS = 1000;
/** nested evaluations (recursive functions); well below what exhausts Node's stack */
const MAX_DEPTH = 500;
/** items in one sequence; a value holds at most BLOBHUB_MAX_VALUE_BYTES anyway */
const MAX_SEQUENCE = 1_000_000;

/**
 * Inside the activity's own timeout (with the thread's grace), so that the user reads JSONata's reason; never longer
 * than the operator's bound for user code (BLOBHUB_SANDBOX_MAX_TIMEOUT_MS), as evaluations queue.
 */
const timeLimitMs = (app: App, timeoutMs: number | undefined) =>
  Math.min(timeoutMs ? Math.max(1, timeoutMs - 500) : DEFAULT_TIME_LIMIT_MS, app.config.BLOBHUB_SANDBOX_MAX_TIMEOUT_MS);

/** A JSONata error as the user reads it: its message and the character position it points at. */
function jsonataMessage(e: unknown): string {
  const { message, position } = e as Partial<jsonata.JsonataError>;
  return `${message ?? String(e)}${typeof position === 'number' ? ` (at position ${position})` : ''}`;
}

export const dataTransformConfig = z
  .object({
    /** JSONata; `$` is the `input` input, and every input is also the variable `$<port>` */
    expression: z
      .string()
      .min(1)
      .max(64 * 1024)
      .superRefine((expression, ctx) => {
        try {
          jsonata(expression);
        } catch (e) {
          ctx.addIssue({ code: 'custom', message: `JSONata syntax error: ${jsonataMessage(e)}` });
        }
      }),
  })
  .strict();
type DataTransformConfig = z.infer<typeof dataTransformConfig>;

export const dataTransform: ComponentType<DataTransformConfig> = {
  type: 'data.transform',
  description: 'Reshapes JSON with a JSONata expression over its inputs (`$` is `input`, every input is also `$<port>`); the value is its output `result`.',
  category: 'data',
  config: dataTransformConfig,
  runsIn: 'local_activity',
  routes: () => ['success', 'failure'],
  inputs: () => 'any',
  outputs: () => ['result'],
  async run({ app, config, inputs, request, signal }) {
    const bindings = Object.fromEntries(Object.entries(inputs).map(([port, value]) => [port, primitiveOf(value)]));
    const outcome = await evaluateJsonata(
      {
        expression: config.expression,
        input: bindings.input,
        bindings,
        options: { timeout: timeLimitMs(app, request.component.timeoutMs), stack: MAX_DEPTH, sequence: MAX_SEQUENCE },
      },
      signal,
    );
    if (!outcome.ok) {
      throw new ComponentError(`JSONata evaluation failed: ${jsonataMessage(outcome.error)}`, outcome.error.code === 'D1012' ? 'timeout' : 'transform_error');
    }
    // no match is JSONata's `undefined`: null
    return { route: 'success', outputs: { result: { value: { type: 'json', json: outcome.result } } } };
  },
};
