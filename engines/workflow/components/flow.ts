/** flow.*: control components. All but flow.branch are interpreted by the workflow itself. */
import { z } from 'zod';
import { primitiveOf } from '../values';
import { ComponentError, type ComponentType } from './registry';

const none = z.object({}).strict().optional().default({});
const anyPorts = () => 'any' as const;
const noPorts = () => [] as string[];
const success = () => ['success'];

export const flowStart: ComponentType<object> = {
  type: 'flow.start',
  description: 'Entry point: each execution input (an input_data alias) is one of its data outputs.',
  category: 'flow',
  config: none,
  runsIn: 'workflow',
  routes: success,
  inputs: noPorts,
  // each execution input alias is an output of the start component
  outputs: anyPorts,
};

export const flowEnd: ComponentType<object> = {
  type: 'flow.end',
  description: "Terminal: its data inputs become the execution's output_data.",
  category: 'flow',
  config: none,
  runsIn: 'workflow',
  routes: noPorts,
  inputs: anyPorts,
  outputs: noPorts,
};

const comparisons = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'truthy', 'falsy', 'contains'] as const;

export const branchConfig = z
  .object({
    /** the data input the condition reads */
    input: z.string().min(1).max(128),
    op: z.enum(comparisons),
    /** compared with the input's plain value (text, integer, flag, id, json …) */
    value: z.unknown().optional(),
  })
  .strict()
  .refine((c) => ['truthy', 'falsy'].includes(c.op) || c.value !== undefined, { message: 'this op needs a value' });
type BranchConfig = z.infer<typeof branchConfig>;

function evaluate(config: BranchConfig, input: unknown): boolean {
  const { op, value } = config;
  switch (op) {
    case 'eq':
      return JSON.stringify(input) === JSON.stringify(value);
    case 'ne':
      return JSON.stringify(input) !== JSON.stringify(value);
    case 'gt':
      return (input as number) > (value as number);
    case 'gte':
      return (input as number) >= (value as number);
    case 'lt':
      return (input as number) < (value as number);
    case 'lte':
      return (input as number) <= (value as number);
    case 'truthy':
      return Boolean(input);
    case 'falsy':
      return !input;
    case 'contains':
      return Array.isArray(input) ? input.some((x) => JSON.stringify(x) === JSON.stringify(value)) : String(input).includes(String(value));
  }
}

export const flowBranch: ComponentType<BranchConfig> = {
  type: 'flow.branch',
  description: 'Compares one data input with a value and follows the true or false route.',
  category: 'flow',
  config: branchConfig,
  runsIn: 'local_activity',
  routes: () => ['true', 'false'],
  inputs: (c) => [c.input],
  outputs: noPorts,
  async run({ config, inputs }) {
    const input = inputs[config.input];
    if (!input) throw new ComponentError(`the condition's input ${config.input} has no value`, 'missing_input');
    return { route: evaluate(config, primitiveOf(input)) ? 'true' : 'false' };
  },
};

export const joinConfig = z
  .object({ mode: z.enum(['all', 'any']).default('all') })
  .strict()
  .optional()
  .default({ mode: 'all' });

export const flowJoin: ComponentType<z.infer<typeof joinConfig>> = {
  type: 'flow.join',
  description: 'Waits for every (or any) incoming control path, then passes its inputs on.',
  category: 'flow',
  config: joinConfig,
  runsIn: 'workflow',
  routes: success,
  inputs: anyPorts,
  // a join passes its data inputs through under the same names
  outputs: anyPorts,
};

export const delayConfig = z
  .object({
    seconds: z
      .number()
      .min(0)
      .max(365 * 86_400),
  })
  .strict();

export const flowDelay: ComponentType<z.infer<typeof delayConfig>> = {
  type: 'flow.delay',
  description: 'A durable timer: waits the given seconds without holding a worker.',
  category: 'flow',
  config: delayConfig,
  runsIn: 'workflow',
  routes: success,
  inputs: noPorts,
  outputs: noPorts,
};

/** How long a wait may last before it takes its `timeout` route (at most a year; none: for ever). */
export const waitTimeoutSeconds = z
  .number()
  .min(0)
  .max(365 * 86_400)
  .optional();

export const waitConfig = z
  .object({
    /** the signal name (signal_execution) that resolves the wait */
    signal: z.string().min(1).max(128).optional(),
    /** or: an item posted to this thread session object */
    thread_alias: z.string().min(1).max(128).optional(),
    timeout_seconds: waitTimeoutSeconds,
  })
  .strict()
  .refine((c) => Boolean(c.signal) !== Boolean(c.thread_alias), { message: 'set exactly one of signal and thread_alias' });
export type WaitConfig = z.infer<typeof waitConfig>;

export const flowWait: ComponentType<WaitConfig> = {
  type: 'flow.wait',
  description: 'Waits for a signal or a thread item in the session (human in the loop), with an optional timeout.',
  category: 'flow',
  config: waitConfig,
  runsIn: 'workflow',
  routes: () => ['success', 'timeout'],
  inputs: noPorts,
  outputs: () => ['payload'],
};

/** The definition a child execution runs: of this revision, or of another workflow blob. */
const childDefinition = {
  /** the definition the child runs */
  alias: z.string().min(1).max(128),
  /** another workflow blob (`<org>/<blob>` or its id) the execution's starter may run; none: this revision */
  blob: z
    .string()
    .regex(/^([a-z0-9][a-z0-9-]{0,62}\/[a-z0-9][a-z0-9-]{0,62}|blb_[0-9a-z]{26})$/, 'give <org>/<blob> or a blob id')
    .optional(),
  /** that blob's revision: `default` (its newest committed revision at each run) or a committed revision's id */
  revision: z.union([z.literal('default'), z.string().regex(/^rev_[0-9a-z]{26}$/)]).optional(),
};
const revisionNeedsBlob = (c: { blob?: string; revision?: string }) => c.revision === undefined || c.blob !== undefined;

export const subworkflowConfig = z.object(childDefinition).strict().refine(revisionNeedsBlob, { message: 'revision goes with blob' });
export type SubworkflowConfig = z.infer<typeof subworkflowConfig>;

export const flowSubworkflow: ComponentType<SubworkflowConfig> = {
  type: 'flow.subworkflow',
  description: "Runs another definition, of this revision or of another workflow blob's revision, as a child workflow; its inputs and outputs pass through.",
  category: 'flow',
  config: subworkflowConfig,
  runsIn: 'workflow',
  routes: () => ['success', 'failure'],
  // inputs become the child's input_data; the child's output_data become outputs
  inputs: anyPorts,
  outputs: anyPorts,
};

/** The most items one flow.foreach takes: each is a child workflow in the execution's history. */
export const FOREACH_MAX_ITEMS = 1000;

export const foreachConfig = z
  .object({
    ...childDefinition,
    /** the child's input that receives the item (the component's other inputs go to every child as they are) */
    item_input: z.string().min(1).max(128).default('item'),
    /** children running at once */
    parallelism: z.number().int().min(1).max(100).default(4),
    /** `fail_fast`: the first failed item cancels the others and fails the component; `collect`: every item runs, failures go to `errors` */
    on_failure: z.enum(['fail_fast', 'collect']).default('fail_fast'),
  })
  .strict()
  .refine(revisionNeedsBlob, { message: 'revision goes with blob' });
export type ForeachConfig = z.infer<typeof foreachConfig>;

export const flowForeach: ComponentType<ForeachConfig> = {
  type: 'flow.foreach',
  description: 'Runs a definition (of this revision or another blob) once per item of a list, a few at a time, and collects the results in order.',
  category: 'flow',
  config: foreachConfig,
  runsIn: 'workflow',
  routes: () => ['success', 'failure'],
  // `items` is the list; any other input goes to every child
  inputs: anyPorts,
  outputs: () => ['results', 'errors'],
};
