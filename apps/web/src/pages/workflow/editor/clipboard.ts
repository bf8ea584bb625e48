/**
 * Copy and paste of components. What is copied is a workflow_definition holding the selected
 * components and the connections between them, as text: it pastes into another definition, another
 * tab, or a file. A paste gives the components new ids and free names, moved down and right off
 * the components already there, and is checked for its shape first (the server validates the rest
 * of the definition as for any edit).
 */
import { z } from 'zod';
import { definitionToGraph, graphToDefinition, uniqueName, type ComponentNode, type ConnectionEdge, type GraphState } from './graph';

const point = z.object({ x: z.number(), y: z.number() });
const copied = z.object({
  type: z.literal('workflow_definition'),
  version: z.string(),
  components: z
    .array(z.looseObject({ id: z.string().min(1), category: z.string(), type: z.string(), name: z.string(), position: point.optional() }))
    .min(1)
    .max(1000),
  connections: z
    .array(z.looseObject({ id: z.string(), source_id: z.string(), target_id: z.string(), source_port: z.string(), target_port: z.string() }))
    .max(5000),
});

/** The selected components and the connections among them as text, or nothing when none is selected. */
export function copiedText(nodes: ComponentNode[], edges: ConnectionEdge[]): string | undefined {
  const chosen = nodes.filter((n) => n.selected);
  if (chosen.length === 0) return undefined;
  const ids = new Set(chosen.map((n) => n.id));
  return JSON.stringify(
    graphToDefinition(
      chosen,
      edges.filter((e) => ids.has(e.source) && ids.has(e.target)),
    ),
  );
}

/** The step by which a paste (or a new component) moves off a component in its place. */
export const STEP = 40;

/** The smallest multiple of STEP (from `from` steps) that moves all the points off every component's place. */
export function clearOffset(points: { x: number; y: number }[], nodes: ComponentNode[], from = 1): number {
  const occupied = (p: { x: number; y: number }) => nodes.some((n) => Math.abs(n.position.x - p.x) < STEP / 2 && Math.abs(n.position.y - p.y) < STEP / 2);
  let steps = from;
  while (points.some((p) => occupied({ x: p.x + steps * STEP, y: p.y + steps * STEP }))) steps++;
  return steps * STEP;
}

/** The components a copied text holds, with new ids and names, selected; nothing when it is not copied components. */
export function pastedGraph(text: string, existing: ComponentNode[], newId: () => string): GraphState | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = copied.safeParse(json);
  if (!parsed.success) return undefined;
  const source = parsed.data;
  const ids = new Map(source.components.map((c) => [c.id, newId()]));
  const names = existing.map((n) => n.data.component.name);
  const offset = clearOffset(
    source.components.map((c) => c.position ?? { x: 0, y: 0 }),
    existing,
  );
  const components = source.components.map((c) => {
    const name = uniqueName(c.name, names);
    names.push(name);
    const at = c.position ?? { x: 0, y: 0 };
    return { ...c, id: ids.get(c.id)!, name, position: { x: at.x + offset, y: at.y + offset } };
  });
  const connections = source.connections
    .filter((c) => ids.has(c.source_id) && ids.has(c.target_id))
    .map((c) => ({ ...c, id: newId(), source_id: ids.get(c.source_id)!, target_id: ids.get(c.target_id)! }));
  const { nodes, edges } = definitionToGraph({ ...source, components, connections });
  return { nodes: nodes.map((n) => ({ ...n, selected: true })), edges };
}
