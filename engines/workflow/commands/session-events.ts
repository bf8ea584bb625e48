/**
 * list_session_events: the session's durable event log (execution and session events alike),
 * paged by seq. `since` (an event id or seq) resumes after an event, as the WebSocket does.
 */
import { and, asc, desc, eq, gt, inArray, lt, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { defineCommand } from '../../../core/engines';
import { badRequest, invalidCursor } from '../../../core/errors';
import { eventToWire } from '../../../core/events';
import { fetchPage } from '../../../core/paging';
import { idOf } from '../../../core/schemas';
import type { Db } from '../../../db/client';
import { events } from '../../../db/schema';
import { cappedLimit, decodeKeyset, encodeKeyset } from '../cursors';
import { sessionScope } from './sessions';

/** Event times are epoch milliseconds; an ISO instant (or a numeric string) is accepted too. */
const instant = z.union([
  z.number().int().nonnegative(),
  z.string().regex(/^\d+$/).transform(Number),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const eventKeyset = z.object({ s: z.number().int(), a: z.boolean() }).strict();

export const sessionEventCommands = {
  list_session_events: defineCommand({
    kind: 'query',
    input: z.object({
      session_id: idOf('session'),
      ascending: z.boolean().default(true),
      since: z.union([idOf('event'), z.number().int().nonnegative()]).optional(),
      created_since: instant.optional(),
      created_before: instant.optional(),
      types: z.array(z.string().min(1).max(64)).min(1).max(32).optional(),
      cursor: z.string().max(500).optional(),
      limit: cappedLimit(1000, 100),
    }),
    async run(ctx, input) {
      await sessionScope(ctx, input.session_id);
      const after = decodeKeyset(eventKeyset, input.cursor);
      if (after && after.a !== input.ascending) throw invalidCursor('it was made for the other order');
      const inSession = eq(events.sessionId, input.session_id);
      const filters: (SQL | undefined)[] = [
        inSession,
        input.since !== undefined ? gt(events.seq, await seqOf(ctx.app.db, inSession, input.since)) : undefined,
        input.created_since !== undefined ? gt(events.createdAt, input.created_since) : undefined,
        input.created_before !== undefined ? lt(events.createdAt, input.created_before) : undefined,
        input.types ? inArray(events.type, input.types) : undefined,
        after ? (input.ascending ? gt : lt)(events.seq, after.s) : undefined,
      ];
      const { items, cursor } = await fetchPage(
        input.limit,
        (take) =>
          ctx.app.db
            .select()
            .from(events)
            .where(and(...filters))
            .orderBy(input.ascending ? asc(events.seq) : desc(events.seq))
            .limit(take),
        (last) => encodeKeyset({ s: last.seq, a: input.ascending }),
      );
      return { session_events: items.map(eventToWire), cursor };
    },
  }),
};

async function seqOf(db: Db, inSession: SQL, since: string | number): Promise<number> {
  if (typeof since === 'number') return since;
  const [row] = await db
    .select({ seq: events.seq })
    .from(events)
    .where(and(inSession, eq(events.id, since)));
  if (!row) throw badRequest(`since: event ${since} is not an event of this session`);
  return row.seq;
}
