/**
 * flow.wait_for_event: the execution waits until an event with the component's key is emitted in
 * its org (emit_event, or flow.emit_event in another execution). Interpreted by the workflow
 * (interpreter.ts); the waiting visits are kept in workflow_event_waiters (engines/workflow/events.ts).
 */
import { z } from 'zod';
import type { ValueObject } from '../model';
import { primitiveOf } from '../values';
import { waitTimeoutSeconds } from './flow';
import { ComponentError, type ComponentType } from './registry';

export const eventKey = z.string().min(1).max(256);

export const waitForEventConfig = z
  .object({
    /** the event key to wait for; a connected `key` input (text) replaces it, e.g. `order:<id>` built upstream */
    key: eventKey.optional(),
    timeout_seconds: waitTimeoutSeconds,
  })
  .strict()
  .optional()
  .default({});
export type WaitForEventConfig = z.infer<typeof waitForEventConfig>;

export const flowWaitForEvent: ComponentType<WaitForEventConfig> = {
  type: 'flow.wait_for_event',
  description: 'Waits until an event with its key is emitted in the org (emit_event or flow.emit_event in another execution), with an optional timeout.',
  category: 'flow',
  config: waitForEventConfig,
  runsIn: 'workflow',
  routes: () => ['success', 'timeout'],
  inputs: () => ['key'],
  outputs: () => ['payload', 'event_id'],
};

/** The event key from the `key` input (text) or the config. */
export function eventKeyOf(configKey: string | undefined, input: ValueObject | undefined): string {
  const key = input ? primitiveOf(input) : configKey;
  const parsed = eventKey.safeParse(key);
  if (!parsed.success) throw new ComponentError('the event key must be text of 1 to 256 characters: set config.key or connect a key input', 'invalid_request');
  return parsed.data;
}
