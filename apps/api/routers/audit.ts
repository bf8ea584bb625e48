import { z } from 'zod';
import { auditEntryWire, auditFilters, listAuditEntries, toAuditWire } from '../../../core/audit';
import { pageQuery } from '../../../core/paging';
import { requireOrg } from '../../../core/resources';
import { idOrName } from '../../../core/schemas';
import { authedProcedure, router } from '../trpc';

export const auditRouter = router({
  list: authedProcedure
    .meta({
      openapi: {
        method: 'GET',
        path: '/orgs/{org_id}/audit_log',
        tags: ['audit'],
        summary: 'The organization’s audit log, newest first, filtered by actor, action, target and time (admin)',
      },
    })
    // strict: a misspelt filter is a 400, not a silently wider list
    .input(z.strictObject({ org_id: idOrName('org'), ...auditFilters, ...pageQuery }))
    .output(z.object({ audit_entries: z.array(auditEntryWire), cursor: z.string().nullable() }))
    .query(async ({ ctx, input }) => {
      const { org } = await requireOrg(ctx.app.db, ctx.caller, input.org_id, 'admin');
      const { items, cursor } = await listAuditEntries(ctx.app.db, org.id, input);
      return { audit_entries: items.map(toAuditWire), cursor };
    }),
});
