/**
 * The limits a blob's users run into, served as BlobHub's limit catalog
 * (`GET /v1/blobs/{org}/{blob}/limits` → `{groups: [{id, limits: [{id, value, description}]}]}`).
 */
import type { BlobRow } from './engines';

export const MAX_JSON_BODY = 1024 * 1024;
export const MAX_LIST_LIMIT = 100;

interface Limit {
  id: string;
  value: unknown;
  description: string;
}

const platformLimits: Limit[] = [
  { id: 'platform.json_body_bytes', value: MAX_JSON_BODY, description: 'largest JSON request body' },
  { id: 'platform.list_limit', value: MAX_LIST_LIMIT, description: 'largest page of a list' },
];

/** Per blob type; `workflow.code_imports` is empty because logic.code runs JavaScript without imports. */
const typeLimits: Partial<Record<BlobRow['type'], Limit[]>> = {
  workflow: [{ id: 'workflow.code_imports', value: [], description: 'modules a code component may import' }],
};

export function limitGroupsOf(blob: BlobRow) {
  const own = typeLimits[blob.type];
  return [{ id: 'platform', limits: platformLimits }, ...(own ? [{ id: blob.type, limits: own }] : [])];
}
