/**
 * The limits a blob's users run into, served as BlobHub's limit catalog
 * (`GET /v1/blobs/{org}/{blob}/limits` → `{groups: [{id, group, label, limits: [{id, value,
 * description, source}]}]}`; blobhub-cli prints `label (group)` and each limit's `source`).
 */
import { engineForBlobType, type BlobRow, type EngineLimit } from './engines';

export const MAX_JSON_BODY = 1024 * 1024;
export const MAX_LIST_LIMIT = 100;

const platformLimits: EngineLimit[] = [
  { id: 'platform.json_body_bytes', value: MAX_JSON_BODY, description: 'largest JSON request body' },
  { id: 'platform.list_limit', value: MAX_LIST_LIMIT, description: 'largest page of a list' },
];

const groupLabels: Record<string, string> = { platform: 'Platform', workflow: 'Workflow', scheduler: 'Scheduler', onnx: 'ONNX model' };

// every value is the platform's default: there are no per-org overrides
const limitGroup = (id: string, limits: EngineLimit[]) => ({
  id,
  group: id,
  label: groupLabels[id] ?? id,
  limits: limits.map((limit) => ({ ...limit, source: 'default' })),
});

/** The platform's limits, then those of the engine serving the blob's type. */
export function limitGroupsOf(blob: BlobRow) {
  const own = engineForBlobType(blob.type)?.limits;
  return [limitGroup('platform', platformLimits), ...(own ? [limitGroup(blob.type, own)] : [])];
}
