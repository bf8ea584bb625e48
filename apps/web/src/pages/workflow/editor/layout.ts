/**
 * Auto-layout of a definition's graph with dagre (a layered drawing, left to right): control
 * connections decide the columns, data connections pull less. Nodes not yet measured on screen
 * count at a typical component's size.
 */
import { Graph, layout, type EdgeLabel, type GraphLabel, type NodeLabel } from '@dagrejs/dagre';

export interface LayoutNode {
  id: string;
  measured?: { width?: number; height?: number };
}

export interface LayoutEdge {
  source: string;
  target: string;
  data?: { kind: 'control' | 'data' };
}

const DEFAULT_SIZE = { width: 200, height: 120 };
const SPACING = { nodesep: 40, ranksep: 80 };

/** Top-left positions of the nodes, laid out in columns along the control flow. */
export function autoLayout(nodes: LayoutNode[], edges: LayoutEdge[]): Map<string, { x: number; y: number }> {
  const graph = new Graph<GraphLabel, NodeLabel, EdgeLabel>({ multigraph: true });
  graph.setGraph({ rankdir: 'LR', ...SPACING });
  graph.setDefaultEdgeLabel(() => ({}));
  const sizeOf = (n: LayoutNode) => ({ width: n.measured?.width ?? DEFAULT_SIZE.width, height: n.measured?.height ?? DEFAULT_SIZE.height });
  for (const n of nodes) graph.setNode(n.id, sizeOf(n));
  edges.forEach((e, i) => {
    if (graph.hasNode(e.source) && graph.hasNode(e.target)) graph.setEdge(e.source, e.target, { weight: e.data?.kind === 'control' ? 4 : 1 }, String(i));
  });
  layout(graph);
  const positions = new Map<string, { x: number; y: number }>();
  for (const n of nodes) {
    // dagre places centres (set on every node by layout); React Flow places top-left corners
    const { x = 0, y = 0, width, height } = graph.node(n.id);
    positions.set(n.id, { x: Math.round(x - width / 2), y: Math.round(y - height / 2) });
  }
  return positions;
}
