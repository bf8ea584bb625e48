/** emit_event: wakes the flow.wait_for_event components of the blob's org waiting on a key (engines/workflow/events.ts). */
import { z } from 'zod';
import { auditCommand } from '../../../core/audit';
import { defineCommand } from '../../../core/engines';
import { ApiError } from '../../../core/errors';
import { idempotencyKeySchema } from '../../../core/idempotency';
import { eventKey } from '../components/wait-for-event';
import { emitEvent, MAX_EVENT_PAYLOAD_BYTES, newEventId, stableEventId } from '../events';
import { jsonBytes } from '../values';

export const eventCommands = {
  emit_event: defineCommand({
    kind: 'command',
    input: z
      .object({
        key: eventKey,
        payload: z.unknown().optional(),
        /** the same key (or Idempotency-Key header) emits the event once: a retry delivers nothing twice */
        idempotency_key: idempotencyKeySchema.optional(),
      })
      .strict(),
    async run(ctx, { key, payload, idempotency_key }) {
      const value = payload ?? null;
      if (jsonBytes(value) > MAX_EVENT_PAYLOAD_BYTES) throw new ApiError('payload_too_large', 'the event payload is above 256 KiB');
      const { orgId } = ctx.blob;
      const idempotencyKey = idempotency_key ?? ctx.idempotencyKey;
      const eventId = idempotencyKey ? stableEventId(orgId, 'emit_event', idempotencyKey) : newEventId();
      const emitted = await emitEvent(ctx.app, orgId, key, value, eventId);
      // the key, not the payload: the payload is the waiting runs' data, not the log's
      await auditCommand(ctx.app.db, ctx, 'event.emit', { type: 'event', id: eventId }, { key, waiters: emitted.waiters });
      return emitted;
    },
  }),
};
