/** The BlobHub search attributes of SPEC §4 on every execution, set by the API and by a parent workflow. Pure: workflow-safe. */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { ExecutionArgs } from '../plan';

const key = (name: string) => defineSearchAttributeKey(name, SearchAttributeType.KEYWORD);

/** The BlobHub search attributes of SPEC §4, so any execution can be found in Temporal. */
export function executionSearchAttributes(args: ExecutionArgs): SearchAttributePair[] {
  return [
    { key: key('BlobHubOrgId'), value: args.orgId },
    { key: key('BlobHubBlobId'), value: args.blobId },
    { key: key('BlobHubRevisionId'), value: args.revisionId },
    { key: key('BlobHubSessionId'), value: args.sessionId },
    { key: key('BlobHubDefinitionAlias'), value: args.alias },
  ];
}
