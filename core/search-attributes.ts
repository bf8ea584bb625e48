/** The BlobHub search attributes (docs/spec.md §4, registered in core/temporal.ts) of what runs for a blob. Pure: workflow-safe. */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { searchAttributes } from './temporal';

export const keywordAttribute = (name: (typeof searchAttributes)[number]) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

/** The org, blob and revision a workflow works for, so a team finds it in the Temporal UI (`BlobHubBlobId="…"`). */
export const blobSearchAttributes = (ids: { orgId: string; blobId: string; revisionId: string }): SearchAttributePair[] => [
  { key: keywordAttribute('BlobHubOrgId'), value: ids.orgId },
  { key: keywordAttribute('BlobHubBlobId'), value: ids.blobId },
  { key: keywordAttribute('BlobHubRevisionId'), value: ids.revisionId },
];
