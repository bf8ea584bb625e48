/** Names shared by the API (client side) and the interpreter workflow. Pure: workflow-safe. */
import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import type { ExecutionArgs } from '../plan';

export const EXECUTION_WORKFLOW = 'blobhubExecution';
/** signal_execution delivers `{name, payload}` under this one Temporal signal */
export const EXECUTION_SIGNAL = 'blobhub.signal';

/** The signal name under which an item posted to the thread `alias` reaches flow.wait. */
export const threadSignalName = (alias: string) => `thread:${alias}`;

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
