/** flow.emit_event: emits an event that wakes the flow.wait_for_event visits of the org waiting on its key (engines/workflow/events.ts). */
import { z } from 'zod';
import { emitEvent, MAX_EVENT_PAYLOAD_BYTES, stableEventId } from '../events';
import { jsonBytes, primitiveOf } from '../values';
import { ComponentError, type ComponentType } from './registry';
import { eventKey, eventKeyOf } from './wait-for-event';

export const emitEventConfig = z
  .object({
    /** a connected `key` input (text) replaces it */
    key: eventKey.optional(),
    /** a connected `payload` input replaces it */
    payload: z.unknown().optional(),
  })
  .strict()
  .optional()
  .default({});
type EmitEventConfig = z.infer<typeof emitEventConfig>;

export const flowEmitEvent: ComponentType<EmitEventConfig> = {
  type: 'flow.emit_event',
  description: 'Emits an event with a key and a payload: every flow.wait_for_event of the org waiting on the key takes the success route with it.',
  category: 'flow',
  config: emitEventConfig,
  runsIn: 'local_activity',
  routes: () => ['success'],
  inputs: () => ['key', 'payload'],
  outputs: () => ['event_id', 'waiters'],
  async run({ app, request, config, inputs }) {
    const key = eventKeyOf(config.key, inputs.key);
    const payload = inputs.payload ? primitiveOf(inputs.payload) : (config.payload ?? null);
    if (jsonBytes(payload) > MAX_EVENT_PAYLOAD_BYTES) throw new ComponentError('the event payload is above 256 KiB', 'value_too_large');
    const { execution, visit } = request;
    // the same for every attempt of this visit: a retry delivers the event once
    const emitted = await emitEvent(app, execution.orgId, key, payload, stableEventId(execution.orgId, execution.executionId, visit));
    return {
      route: 'success',
      outputs: { event_id: { value: { type: 'text', text: emitted.event_id } }, waiters: { value: { type: 'integer', integer: emitted.waiters } } },
    };
  },
};
