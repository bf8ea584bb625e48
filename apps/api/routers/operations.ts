import { and, desc, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import { specStatusesOf, statusFilterOf } from '../../../core/dialect';
import { ApiError, notFound } from '../../../core/errors';
import { findOperation, type OperationTargetType } from '../../../core/operations';
import { requireTarget, targetNameOf, targetParams } from '../../../core/targets';
import { afterCursor, fetchPage } from '../../../core/paging';
import { idOf, operationWire, pageQuery, toOperationWire } from '../../../core/wire';
import { operations, operationStatuses } from '../../../db/schema';
import { publicProcedure, router } from '../trpc';

const operationOut = z.object({ operation: operationWire });

export const operationsRouter = router({
  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/operations/{operation_id}', tags: ['operations'], summary: 'The state of an asynchronous operation' } })
    .input(z.object({ operation_id: idOf('operation') }))
    .output(operationOut)
    .query(async ({ ctx, input }) => {
      const operation = await findOperation(ctx.app, input.operation_id);
      // Readable by whoever can read its target; to anyone else it does not exist.
      const targetName = targetNameOf(operation.targetType as OperationTargetType);
      await requireTarget(ctx.app.db, ctx.caller, targetName, operation.targetId, 'read').catch((e: unknown) => {
        throw e instanceof ApiError && e.specCode === 'not_found' ? notFound('operation') : e;
      });
      return { operation: toOperationWire(operation) };
    }),

  list: publicProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/{target}/{target_id}/operations',
        tags: ['operations'],
        summary: 'Operations on an org, blob or revision, newest first',
      },
    })
    .input(z.object({ ...targetParams('orgs', 'blobs', 'revisions'), status: statusFilterOf(operationStatuses).optional(), ...pageQuery }))
    .output(z.object({ operations: z.array(operationWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const target = await requireTarget(ctx.app.db, ctx.caller, input.target, input.target_id, 'read');
      const { items, cursor } = await fetchPage(input.limit, (take) =>
        ctx.app.db
          .select()
          .from(operations)
          .where(
            and(
              eq(operations.targetType, target.type),
              eq(operations.targetId, target.id),
              input.status ? inArray(operations.status, specStatusesOf<(typeof operationStatuses)[number]>(input.status)) : undefined,
              afterCursor(operations.id, input.cursor),
            ),
          )
          .orderBy(desc(operations.id))
          .limit(take),
      );
      return { operations: items.map(toOperationWire), cursor };
    }),
});
