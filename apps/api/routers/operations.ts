import { z } from 'zod';
import { specStatusesOf, statusFilterOf } from '../../../http/dialect';
import { listOperations, requireOperation, type OperationStatus, operationWire, toOperationWire } from '../../../core/operations';
import { requireTarget, targetParams } from '../../../core/targets';
import { idOf } from '../../../core/schemas';
import { pageQuery } from '../../../core/paging';
import { operationStatuses } from '../../../db/schema';
import { publicProcedure, router } from '../trpc';

const operationOut = z.object({ operation: operationWire });

export const operationsRouter = router({
  get: publicProcedure
    .meta({ openapi: { method: 'GET', path: '/operations/{operation_id}', tags: ['operations'], summary: 'The state of an asynchronous operation' } })
    .input(z.object({ operation_id: idOf('operation') }))
    .output(operationOut)
    .query(async ({ ctx, input }) => {
      const operation = await requireOperation(ctx.app, ctx.caller, input.operation_id);
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
      const statuses = input.status ? specStatusesOf<OperationStatus>(input.status) : undefined;
      const { items, cursor } = await listOperations(ctx.app, target, { statuses, limit: input.limit, cursor: input.cursor });
      return { operations: items.map(toOperationWire), cursor };
    }),
});
