/**
 * A workflow_definition as a React Flow graph and back. Ports are handles whose ids say what they
 * are: `flow_input` (control in), `route:<route>` (control out), `in:<port>` and `out:<port>`
 * (data). A type that accepts any port name also shows a free handle (`in:+`, `out:+`); a
 * connection to it takes its name from the other end.
 */
import type { CatalogEntry, CatalogPorts, Component, Connection, WorkflowDefinition } from '../../../../../../sdk/browser';
import { autoLayout } from './layout';

export type { CatalogEntry };
export const CONTROL_INPUT = 'flow_input';
export const CONTROL_OUTPUT = 'flow_output';
export const FREE = '+';
const DEFINITION_VERSION = '1.0.1';

/** Port names a person added in the inspector that no connection uses yet. */
export interface AddedPorts {
  inputs: string[];
  outputs: string[];
  routes: string[];
}

export interface ComponentData extends Record<string, unknown> {
  component: Omit<Component, 'position'>;
  added: AddedPorts;
}

/** A React Flow node and edge, written out so that these helpers run (and are tested) without the DOM. */
export interface ComponentNode {
  id: string;
  type: 'component';
  position: { x: number; y: number };
  data: ComponentData;
  selected?: boolean;
  /** the size React Flow measured on screen (auto-layout uses it) */
  measured?: { width?: number; height?: number };
}

/** The editor's graph: what an edit changes, and undo restores. */
export interface GraphState {
  nodes: ComponentNode[];
  edges: ConnectionEdge[];
}

export type ConnectionKind = 'control' | 'data';

export interface ConnectionEdge {
  id: string;
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
  data?: { kind: ConnectionKind };
  selected?: boolean;
}

/** What a node shows: its named ports, and whether it also takes new names. */
export interface NodePorts {
  controlInput: boolean;
  routes: string[];
  freeRoutes: boolean;
  inputs: string[];
  freeInputs: boolean;
  outputs: string[];
  freeOutputs: boolean;
}

export const routeHandle = (route: string) => `route:${route}`;
export const inputHandle = (port: string) => `in:${port}`;
export const outputHandle = (port: string) => `out:${port}`;
const afterColon = (handle: string | null | undefined) => (handle ? handle.slice(handle.indexOf(':') + 1) : '');

const named = (ports: CatalogPorts) => (Array.isArray(ports) ? ports : []);
const unique = (names: string[]) => [...new Set(names)];
/** a code component's usual routes, shown before any is used */
const DEFAULT_FREE_ROUTES = ['success', 'failure'];

export function nodePorts(entry: CatalogEntry | undefined, nodeId: string, edges: ConnectionEdge[], added: AddedPorts): NodePorts {
  const outgoing = edges.filter((e) => e.source === nodeId);
  const incoming = edges.filter((e) => e.target === nodeId);
  const used = (list: ConnectionEdge[], handle: (e: ConnectionEdge) => string | null | undefined, prefix: string) =>
    list
      .map(handle)
      .filter((h): h is string => Boolean(h?.startsWith(prefix)) && h !== `${prefix}${FREE}`)
      .map(afterColon);
  const freeRoutes = entry?.routes === 'any';
  return {
    controlInput: entry ? entry.control_input !== null : true,
    routes:
      entry?.control_output === null
        ? []
        : unique([...(freeRoutes ? DEFAULT_FREE_ROUTES : named(entry?.routes ?? [])), ...used(outgoing, (e) => e.sourceHandle, 'route:'), ...added.routes]),
    freeRoutes,
    inputs: unique([...named(entry?.data_inputs ?? []), ...used(incoming, (e) => e.targetHandle, 'in:'), ...added.inputs]),
    freeInputs: !Array.isArray(entry?.data_inputs ?? []),
    outputs: unique([...named(entry?.data_outputs ?? []), ...used(outgoing, (e) => e.sourceHandle, 'out:'), ...added.outputs]),
    freeOutputs: !Array.isArray(entry?.data_outputs ?? []),
  };
}

const noneAdded = (): AddedPorts => ({ inputs: [], outputs: [], routes: [] });

export function edgeOf(connection: Connection): ConnectionEdge {
  const control = connection.source_port === CONTROL_OUTPUT && connection.target_port === CONTROL_INPUT;
  return {
    id: connection.id,
    source: connection.source_id,
    target: connection.target_id,
    sourceHandle: control ? routeHandle(connection.route ?? 'success') : outputHandle(connection.source_port),
    targetHandle: control ? CONTROL_INPUT : inputHandle(connection.target_port),
    data: { kind: control ? 'control' : 'data' },
  };
}

/** Written by code, not an editor: no positions, or all in one place. */
const needsLayout = (components: Component[]) =>
  components.length > 1 && new Set(components.map((c) => (c.position ? `${c.position.x},${c.position.y}` : ''))).size === 1;

export function definitionToGraph(definition: WorkflowDefinition): { nodes: ComponentNode[]; edges: ConnectionEdge[] } {
  const nodes = definition.components.map(({ position, ...component }): ComponentNode => ({
    id: component.id,
    type: 'component',
    position: position ?? { x: 0, y: 0 },
    data: { component, added: noneAdded() },
  }));
  const edges = definition.connections.map(edgeOf);
  if (!needsLayout(definition.components)) return { nodes, edges };
  const laidOut = autoLayout(nodes, edges);
  return { nodes: nodes.map((n) => ({ ...n, position: laidOut.get(n.id)! })), edges };
}

/**
 * A stored document as the editor takes it. Its type as it travels makes every `unknown` field
 * optional (JSON drops undefined values); a stored document was compiled before it was saved, so
 * its fields are all there.
 */
export const storedDocument = (stored: { definition: { definition: unknown } }) => stored.definition.definition as WorkflowDefinition;

export function connectionOf(edge: ConnectionEdge): Connection {
  if (edge.data?.kind === 'control') {
    return {
      id: edge.id,
      source_id: edge.source,
      target_id: edge.target,
      source_port: CONTROL_OUTPUT,
      target_port: CONTROL_INPUT,
      route: afterColon(edge.sourceHandle),
    };
  }
  return {
    id: edge.id,
    source_id: edge.source,
    target_id: edge.target,
    source_port: afterColon(edge.sourceHandle),
    target_port: afterColon(edge.targetHandle),
  };
}

export function graphToDefinition(nodes: ComponentNode[], edges: ConnectionEdge[]): WorkflowDefinition {
  return {
    type: 'workflow_definition',
    version: DEFINITION_VERSION,
    components: nodes.map((n) => ({ ...n.data.component, position: { x: Math.round(n.position.x), y: Math.round(n.position.y) } })),
    connections: edges.map(connectionOf),
  };
}

export interface HandlePair {
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/**
 * The edge a drag from one handle to another makes, or why it makes none. A free handle takes
 * the other end's port name; two free ends have no name to take.
 */
export function edgeFromHandles(pair: HandlePair, id: string): ConnectionEdge | { refused: string } {
  const { source, target, sourceHandle, targetHandle } = pair;
  if (source === target) return { refused: 'a component cannot connect to itself' };
  if (sourceHandle?.startsWith('route:') && targetHandle === CONTROL_INPUT) {
    return { id, source, target, sourceHandle, targetHandle, data: { kind: 'control' } };
  }
  if (sourceHandle?.startsWith('out:') && targetHandle?.startsWith('in:')) {
    const from = afterColon(sourceHandle);
    const to = afterColon(targetHandle);
    if (from === FREE && to === FREE) return { refused: 'name the output or the input first (select the component and add a port)' };
    return {
      id,
      source,
      target,
      sourceHandle: outputHandle(from === FREE ? to : from),
      targetHandle: inputHandle(to === FREE ? from : to),
      data: { kind: 'data' },
    };
  }
  return { refused: 'connect a route to a control input, or a data output to a data input' };
}

/** A new component of a catalog type, named after the type and numbered when the name is taken. */
export function newComponentNode(entry: CatalogEntry, id: string, position: { x: number; y: number }, takenNames: string[]): ComponentNode {
  const name = uniqueName(baseName(entry.type), takenNames);
  const config = entry.type === 'logic.code' ? { language: 'javascript', code: STARTER_CODE } : undefined;
  return {
    id,
    type: 'component',
    position,
    data: { component: { id, category: entry.category, type: entry.type, name, ...(config ? { config } : {}) }, added: noneAdded() },
  };
}

/** The name, numbered when it is taken: "Code", "Code 2", "Code 3"… (a copy of "Code 2" is "Code 3"). */
export function uniqueName(name: string, takenNames: string[]): string {
  if (!takenNames.includes(name)) return name;
  const base = name.replace(/ \d+$/, '');
  let n = 2;
  while (takenNames.includes(`${base} ${n}`)) n++;
  return `${base} ${n}`;
}

const typeNames: Record<string, string> = { 'flow.start': 'Start', 'flow.end': 'End', 'logic.code': 'Code', 'http.request': 'HTTP request' };

function baseName(type: string): string {
  const last = type.split('.').at(-1)!.replace(/_/g, ' ');
  return typeNames[type] ?? last.charAt(0).toUpperCase() + last.slice(1);
}

/**
 * A new code component's code: a working example of the API. Values are typed objects, made with
 * create_value (a bare string or number is refused as an InvalidValueError).
 */
const STARTER_CODE = [
  "// Inputs are typed values: get_data_input('name') gives e.g. {type: 'integer', integer: 10}, or null.",
  '// Outputs are made with create_value(type, data); types: text, integer, float, boolean, json, message.',
  "const greeting = create_value('text', 'Hello from BlobHub');",
  "set_data_output('result', greeting, true); // true: stored, shown under the run's outputs",
  "set_result('success');",
  '',
].join('\n');

/**
 * Errors of validate_definition (or of a refused save) by the component they name, the rest
 * apart; component ids in the messages (UUIDs, as the editor makes them) read as names.
 */
export function errorsByComponent(
  errors: { component_id?: string; message: string }[],
  nameOf: (id: string) => string,
): { pinned: Map<string, string[]>; general: string[] } {
  const pinned = new Map<string, string[]>();
  const general: string[] = [];
  for (const e of errors) {
    const message = e.component_id ? e.message.replaceAll(e.component_id, `"${nameOf(e.component_id)}"`) : e.message;
    if (!e.component_id) general.push(message);
    else pinned.set(e.component_id, [...(pinned.get(e.component_id) ?? []), message]);
  }
  return { pinned, general };
}
