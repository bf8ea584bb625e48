/** Graph elements on the wire (BlobHub's vertex and edge objects) and the shared zod pieces. */
import { z } from 'zod';
import type { graphElements } from '../../../db/schema';

export type ElementRow = typeof graphElements.$inferSelect;

export const elementId = z.string().min(1).max(256);
export const props = z.record(z.string(), z.unknown());
export const label = z.string().min(1).max(256);

export function toElementWire(row: ElementRow) {
  const common = { element_id: row.elementId, type: row.type, props: row.props as Record<string, unknown>, rev: row.rev };
  const stamps = { created_at: row.createdAt.toISOString(), updated_at: row.updatedAt.toISOString(), user_id: row.userId };
  return row.type === 'vertex'
    ? { ...common, labels: row.labels ?? [], ...stamps }
    : { ...common, label: row.label, from_id: row.fromId, to_id: row.toId, ...stamps };
}

/** One entry of a session_graph_changed event and of apply_session_graph_mutations' answer. */
export interface GraphChange {
  op: string;
  element_id: string;
  type: 'vertex' | 'edge';
  /** the element's rev after the op (for a delete: its last rev) */
  rev: number;
}
