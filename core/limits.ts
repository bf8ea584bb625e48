/**
 * The limits a blob's users run into, served as BlobHub's limit catalog
 * (`GET /v1/blobs/{org}/{blob}/limits` → `{groups: [{id, group, label, limits: [{id, value,
 * description, source}]}]}`; blobhub-cli prints `label (group)` and each limit's `source`).
 */
import type { BlobRow } from './engines';

export const MAX_JSON_BODY = 1024 * 1024;
export const MAX_LIST_LIMIT = 100;

interface Limit {
  id: string;
  value: unknown;
  description: string;
  /** where the value comes from: every limit here is the platform's default (no per-org overrides) */
  source: 'default';
}

const platformLimits: Limit[] = [
  { id: 'platform.json_body_bytes', value: MAX_JSON_BODY, description: 'largest JSON request body', source: 'default' },
  { id: 'platform.list_limit', value: MAX_LIST_LIMIT, description: 'largest page of a list', source: 'default' },
];

/** Per blob type; `workflow.code_imports` is empty because logic.code runs JavaScript without imports. */
const typeLimits: Partial<Record<BlobRow['type'], Limit[]>> = {
  workflow: [{ id: 'workflow.code_imports', value: [], description: 'modules a code component may import', source: 'default' }],
};

const groupLabels: Record<string, string> = { platform: 'Platform', workflow: 'Workflow', scheduler: 'Scheduler', onnx: 'ONNX model' };

const limitGroup = (id: string, limits: Limit[]) => ({ id, group: id, label: groupLabels[id] ?? id, limits });

export function limitGroupsOf(blob: BlobRow) {
  const own = typeLimits[blob.type];
  return [limitGroup('platform', platformLimits), ...(own ? [limitGroup(blob.type, own)] : [])];
}
