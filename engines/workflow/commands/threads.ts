/** Thread commands (docs/spec.md §4 "Threads", BlobHub's post/get/list_session_thread_items). */
import { z } from 'zod';
import { userIdOf } from '../../../core/access';
import { defineCommand } from '../../../core/engines';
import { idOf } from '../../../core/schemas';
import { cappedLimit } from '../cursors';
import { getThreadItem, listThreadItems, postThreadItem, threadContent, toThreadItemWire } from '../threads';
import { objectAlias, sessionScope } from './sessions';

const sessionId = idOf('session');
const isoInstant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const threadCommands = {
  post_session_thread_item: defineCommand({
    kind: 'command',
    input: z.object({
      session_id: sessionId,
      alias: objectAlias,
      content: threadContent,
      parent_id: z.string().min(1).max(128).nullish(),
      metadata: z.record(z.string(), z.unknown()).nullish(),
    }),
    async run(ctx, input) {
      const scope = await sessionScope(ctx, input.session_id);
      const row = await postThreadItem(ctx.app, scope, {
        alias: input.alias,
        content: input.content,
        parentId: input.parent_id,
        metadata: input.metadata,
        userId: userIdOf(ctx.caller),
      });
      return { item: toThreadItemWire(ctx.revision.id, row) };
    },
  }),
  get_session_thread_item: defineCommand({
    kind: 'query',
    input: z.object({ session_id: sessionId, alias: objectAlias, item_id: z.string().min(1).max(128) }),
    async run(ctx, { session_id, alias, item_id }) {
      await sessionScope(ctx, session_id);
      return { item: toThreadItemWire(ctx.revision.id, await getThreadItem(ctx.app, session_id, alias, item_id)) };
    },
  }),
  list_session_thread_items: defineCommand({
    kind: 'query',
    input: z.object({
      session_id: sessionId,
      alias: objectAlias,
      ascending: z.boolean().default(false),
      created_since: isoInstant.optional(),
      created_before: isoInstant.optional(),
      cursor: z.string().max(500).optional(),
      limit: cappedLimit(1000, 100),
    }),
    async run(ctx, input) {
      await sessionScope(ctx, input.session_id);
      const page = await listThreadItems(ctx.app, input.session_id, input.alias, {
        ascending: input.ascending,
        createdSince: input.created_since,
        createdBefore: input.created_before,
        cursor: input.cursor,
        limit: input.limit,
      });
      return { items: page.items.map((row) => toThreadItemWire(ctx.revision.id, row)), cursor: page.cursor };
    },
  }),
};
