/**
 * "Compiling" a definition (docs/spec.md §4): every check that decides whether it can run, with errors
 * that name the component; and the Plan the interpreter workflow walks.
 */
import { sha256Hex } from '../../core/crypto';
import './components';
import { effectiveConfig } from './components/ports';
import { findComponentType, type PortList } from './components/registry';
import { CONTROL_INPUT, CONTROL_OUTPUT, isControl, workflowDefinition, type Component, type Connection, type WorkflowDefinition } from './model';
import type { Plan, PlanComponent } from './plan';

export interface DefinitionError {
  component_id?: string;
  connection_id?: string;
  message: string;
  /** the line of the component's code an error is on (a syntax error in logic.code) */
  line?: number;
}

export type CompileResult = { valid: true; errors: []; plan: Plan; definition: WorkflowDefinition } | { valid: false; errors: DefinitionError[] };

const allows = (ports: PortList, name: string) => ports === 'any' || ports.includes(name);

interface Typed {
  component: Component;
  config: unknown;
  routes: PortList;
  inputs: PortList;
  outputs: PortList;
}

export function compileDefinition(input: unknown): CompileResult {
  const parsed = workflowDefinition.safeParse(input);
  if (!parsed.success) {
    return { valid: false, errors: parsed.error.issues.map((i) => ({ message: `${i.path.join('.') || '(definition)'}: ${i.message}` })) };
  }
  const definition = parsed.data;
  const errors: DefinitionError[] = [];
  const typed = typeComponents(definition, errors);
  checkConnections(definition, typed, errors);
  const starts = definition.components.filter((c) => c.type === 'flow.start');
  const [start] = starts;
  if (starts.length !== 1) errors.push({ message: `a definition needs exactly one flow.start (found ${starts.length})` });
  if (errors.length === 0 && start) checkGraph(definition, start.id, errors);
  if (errors.length > 0 || !start) return { valid: false, errors };
  return { valid: true, errors: [], plan: buildPlan(definition, typed, start.id), definition };
}

function typeComponents(definition: WorkflowDefinition, errors: DefinitionError[]): Map<string, Typed> {
  const typed = new Map<string, Typed>();
  for (const component of definition.components) {
    const at = { component_id: component.id };
    if (typed.has(component.id)) {
      errors.push({ ...at, message: `component id ${component.id} is used twice` });
      continue;
    }
    const type = findComponentType(component.type);
    if (!type) {
      errors.push({ ...at, message: `unknown component type ${component.type}` });
      continue;
    }
    if (component.category !== type.category) {
      errors.push({ ...at, message: `${component.type} belongs to category ${type.category}, not ${component.category}` });
    }
    const config = type.config.safeParse(effectiveConfig(component));
    if (!config.success) {
      for (const issue of config.error.issues) {
        errors.push({ ...at, message: `${component.type} config${issue.path.length ? `.${issue.path.join('.')}` : ''}: ${issue.message}` });
      }
      continue;
    }
    typed.set(component.id, {
      component,
      config: config.data,
      routes: type.routes(config.data),
      inputs: type.inputs(config.data),
      outputs: type.outputs(config.data),
    });
  }
  return typed;
}

function checkConnections(definition: WorkflowDefinition, typed: Map<string, Typed>, errors: DefinitionError[]) {
  const ids = new Set(definition.components.map((c) => c.id));
  const seen = new Set<string>();
  for (const conn of definition.connections) {
    const at = { connection_id: conn.id };
    if (seen.has(conn.id)) errors.push({ ...at, message: `connection id ${conn.id} is used twice` });
    seen.add(conn.id);
    for (const end of [conn.source_id, conn.target_id]) {
      if (!ids.has(end)) errors.push({ ...at, message: `connection ${conn.id} names a component that does not exist: ${end}` });
    }
    const source = typed.get(conn.source_id);
    const target = typed.get(conn.target_id);
    if (!source || !target) continue;
    const controlEnds = [conn.source_port === CONTROL_OUTPUT, conn.target_port === CONTROL_INPUT];
    if (controlEnds[0] !== controlEnds[1]) {
      errors.push({ ...at, component_id: conn.source_id, message: `connection ${conn.id} joins a control port to a data port` });
    } else if (isControl(conn)) {
      checkControl(conn, source, target, errors);
    } else {
      // `error` is the data output of every component's failure route
      if (!allows(source.outputs, conn.source_port) && conn.source_port !== 'error') {
        errors.push({ ...at, component_id: conn.source_id, message: `${source.component.type} ${conn.source_id} has no data output ${conn.source_port}` });
      }
      if (!allows(target.inputs, conn.target_port)) {
        errors.push({ ...at, component_id: conn.target_id, message: `${target.component.type} ${conn.target_id} has no data input ${conn.target_port}` });
      }
    }
  }
}

function checkControl(conn: Connection, source: Typed, target: Typed, errors: DefinitionError[]) {
  const at = { connection_id: conn.id };
  if (!conn.route) {
    errors.push({ ...at, component_id: conn.source_id, message: `control connection ${conn.id} needs a route` });
  } else if (!allows(source.routes, conn.route) && conn.route !== 'failure') {
    const known = source.routes === 'any' ? '' : ` (routes: ${source.routes.join(', ') || 'none'})`;
    errors.push({ ...at, component_id: conn.source_id, message: `${source.component.type} ${conn.source_id} has no route ${conn.route}${known}` });
  }
  if (source.component.type === 'flow.end') errors.push({ ...at, component_id: conn.source_id, message: 'flow.end cannot have outgoing control connections' });
  if (target.component.type === 'flow.start')
    errors.push({ ...at, component_id: conn.target_id, message: 'flow.start cannot have incoming control connections' });
}

/** Unreachable components, and cycles that no component can leave. */
function checkGraph(definition: WorkflowDefinition, startId: string, errors: DefinitionError[]) {
  const out = new Map<string, string[]>(definition.components.map((c) => [c.id, []]));
  for (const c of definition.connections.filter(isControl)) out.get(c.source_id)!.push(c.target_id);
  const reached = new Set([startId]);
  const queue = [startId];
  while (queue.length) {
    for (const next of out.get(queue.shift()!)!) {
      if (reached.has(next)) continue;
      reached.add(next);
      queue.push(next);
    }
  }
  for (const c of definition.components) {
    if (!reached.has(c.id)) errors.push({ component_id: c.id, message: `component ${c.id} (${c.type}) is unreachable from flow.start` });
  }
  const byId = new Map(definition.components.map((c) => [c.id, c]));
  for (const scc of cycles(out)) {
    const members = new Set(scc);
    const canLeave = scc.some((id) => out.get(id)!.some((t) => !members.has(t)) || routeChoices(byId.get(id)!) > 1);
    if (!canLeave)
      errors.push({ component_id: scc[0], message: `the cycle through ${scc.join(' → ')} has no way out (no branch, wait timeout or code route leaves it)` });
  }
}

/** How many routes a component can choose between (a cycle is bounded only by a choice). */
function routeChoices(component: Component): number {
  const type = findComponentType(component.type)!;
  const routes = type.routes(type.config.parse(effectiveConfig(component)));
  return routes === 'any' ? Infinity : routes.length;
}

/** Strongly connected components with at least one edge inside (Tarjan). */
function cycles(out: Map<string, string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of out.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || out.get(v)!.includes(v)) found.push(scc.reverse());
    }
  };
  for (const v of out.keys()) if (!idx.has(v)) visit(v);
  return found;
}

function buildPlan(definition: WorkflowDefinition, typed: Map<string, Typed>, startId: string): Plan {
  const components: Record<string, PlanComponent> = {};
  for (const [id, t] of typed) {
    components[id] = {
      id,
      type: t.component.type,
      name: t.component.name,
      runsIn: findComponentType(t.component.type)!.runsIn,
      config: t.config,
      retry: t.component.retry,
      timeoutMs: t.component.timeout_ms,
    };
  }
  const plan: Plan = { components, startId, next: {}, incoming: {}, dataIn: {} };
  for (const c of definition.connections) {
    if (isControl(c)) {
      ((plan.next[c.source_id] ??= {})[c.route!] ??= []).push({ connectionId: c.id, targetId: c.target_id });
      plan.incoming[c.target_id] = (plan.incoming[c.target_id] ?? 0) + 1;
    } else {
      (plan.dataIn[c.target_id] ??= []).push({ port: c.target_port, sourceId: c.source_id, sourcePort: c.source_port });
    }
  }
  return plan;
}

/** A stable hash of a definition: the same JSON with keys in any order hashes the same. */
export function definitionHash(definition: unknown): string {
  return sha256Hex(canonicalJson(definition));
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
