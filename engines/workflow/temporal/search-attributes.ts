/** The BlobHub search attributes of docs/spec.md §4 on every execution, set by the API and by a parent workflow. Pure: workflow-safe. */
import type { SearchAttributePair } from '@temporalio/common';
import { blobSearchAttributes, keywordAttribute } from '../../../core/search-attributes';
import type { ExecutionArgs } from '../plan';

/** The BlobHub search attributes of docs/spec.md §4, so any execution can be found in Temporal. */
export function executionSearchAttributes(args: ExecutionArgs): SearchAttributePair[] {
  return [
    ...blobSearchAttributes(args),
    { key: keywordAttribute('BlobHubSessionId'), value: args.sessionId },
    { key: keywordAttribute('BlobHubDefinitionAlias'), value: args.alias },
  ];
}
