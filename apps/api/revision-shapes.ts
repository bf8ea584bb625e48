/** Revision input and output shapes that both the revisions and the blob-by-name routers use. */
import { z } from 'zod';
import type { Page } from '../../core/paging';
import type { RevisionRow } from '../../core/engines';
import { revisionWire, toRevisionWire } from '../../core/revisions';

export const revisionComment = z.string().min(1).max(200);

/** A page of revisions as the lists answer it. */
export const revisionPage = {
  schema: z.object({ revisions: z.array(revisionWire), cursor: z.string().nullable() }),
  of: ({ items, cursor }: Page<RevisionRow>) => ({ revisions: items.map(toRevisionWire), cursor }),
};
