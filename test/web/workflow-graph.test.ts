/** The editor's pure helpers: definition ⇄ graph, handle pairs to connections, ports, typed inputs. */
import { describe, expect, it } from 'vitest';
import { registerAllEngines } from '../../engines';
import { componentCatalog } from '../../engines/workflow/components/catalog';
import { comp, definition as definition_, fibonacciDefinition as fibonacciDocument, flow } from '../support/workflow-builders';
import { workflowDefinition } from '../../engines/workflow/model';
import { compileDefinition } from '../../engines/workflow/validate';
import {
  definitionToGraph,
  edgeFromHandles,
  errorsByComponent,
  graphToDefinition,
  newComponentNode,
  nodePorts,
  uniqueName,
  type ConnectionEdge,
} from '../../apps/web/src/pages/workflow/editor/graph';
import { inputData, valueOf } from '../../apps/web/src/pages/workflow/editor/inputs';
import { autoLayout } from '../../apps/web/src/pages/workflow/editor/layout';
import { copiedText, pastedGraph } from '../../apps/web/src/pages/workflow/editor/clipboard';
import { matchingEntries } from '../../apps/web/src/pages/workflow/editor/search';

registerAllEngines();
const catalog = new Map(componentCatalog().map((c) => [c.type, c]));
const entry = (type: string) => catalog.get(type)!;
const none = { inputs: [], outputs: [], routes: [] };
/** The SPEC's example as an editor saved it: each component where it was put. */
function fibonacciDefinition() {
  const definition = workflowDefinition.parse(fibonacciDocument());
  definition.components.forEach((c, i) => (c.position = { x: i * 300, y: 40 }));
  return definition;
}

describe('definition ⇄ graph', () => {
  it('round-trips the fibonacci example exactly: components, positions, control and data connections', () => {
    const definition = fibonacciDefinition();
    const { nodes, edges } = definitionToGraph(definition);
    expect(edges.map((e) => [e.data?.kind, e.sourceHandle, e.targetHandle])).toEqual([
      ['control', 'route:success', 'flow_input'],
      ['control', 'route:success', 'flow_input'],
      ['data', 'out:n', 'in:n'],
      ['data', 'out:result', 'in:result'],
    ]);
    expect(graphToDefinition(nodes, edges)).toEqual(definition);
  });

  it('lays out a definition written by code (no positions, or all in one place) in columns along the control flow', () => {
    const definition = workflowDefinition.parse(
      definition_(
        [
          comp('s', 'flow.start'),
          comp('e', 'flow.end'),
          comp('a', 'flow.delay', { seconds: 1 }),
          comp('b', 'flow.delay', { seconds: 1 }),
          comp('lost', 'flow.end'),
        ],
        [flow('s', 'a'), flow('s', 'b'), flow('a', 'e'), flow('b', 'e')],
      ),
    );
    const laidOut = (d: typeof definition) => Object.fromEntries(definitionToGraph(d).nodes.map((n) => [n.id, n.position]));
    const at = laidOut(definition);
    // start, then the two delays one above the other, then the end
    expect(at.s!.x).toBeLessThan(at.a!.x);
    expect(at.a!.x).toBe(at.b!.x);
    expect(at.a!.y).not.toBe(at.b!.y);
    expect(at.e!.x).toBeGreaterThan(at.a!.x);
    // no two components drawn in one place (a component is up to 200 × 120 before it is measured)
    const boxes = Object.values(at);
    for (const [i, p] of boxes.entries())
      for (const q of boxes.slice(i + 1)) expect(Math.abs(p.x - q.x) >= 200 || Math.abs(p.y - q.y) >= 120, JSON.stringify([p, q])).toBe(true);
    for (const c of definition.components) delete c.position;
    expect(laidOut(definition)).toEqual(at);
  });

  it('auto-layout keeps measured components apart and follows data connections where control does not reach', () => {
    const nodes = [
      { id: 'wide', measured: { width: 400, height: 60 } },
      { id: 'next', measured: { width: 150, height: 60 } },
      { id: 'reader', measured: { width: 150, height: 60 } },
    ];
    const at = autoLayout(nodes, [
      { source: 'wide', target: 'next', data: { kind: 'control' } },
      { source: 'next', target: 'reader', data: { kind: 'data' } },
    ]);
    expect(at.get('next')!.x).toBeGreaterThanOrEqual(at.get('wide')!.x + 400);
    expect(at.get('reader')!.x).toBeGreaterThanOrEqual(at.get('next')!.x + 150);
  });

  it('rounds dragged positions', () => {
    const { nodes, edges } = definitionToGraph(fibonacciDefinition());
    nodes[0]!.position = { x: 10.6, y: -3.2 };
    expect(graphToDefinition(nodes, edges).components[0]?.position).toEqual({ x: 11, y: -3 });
  });
});

describe('ports', () => {
  const edges = definitionToGraph(fibonacciDefinition()).edges;

  it('shows declared ports, ports in use and added ones; free handles where any name is taken', () => {
    expect(nodePorts(entry('flow.start'), 's', edges, none)).toEqual({
      controlInput: false,
      routes: ['success'],
      freeRoutes: false,
      inputs: [],
      freeInputs: false,
      outputs: ['n'],
      freeOutputs: true,
    });
    expect(nodePorts(entry('flow.end'), 'e', edges, none)).toMatchObject({
      controlInput: true,
      routes: [],
      inputs: ['result'],
      freeInputs: true,
      outputs: [],
      freeOutputs: false,
    });
    expect(nodePorts(entry('logic.code'), 'c', edges, { inputs: [], outputs: ['extra'], routes: ['retry'] })).toMatchObject({
      routes: ['success', 'failure', 'retry'],
      freeRoutes: true,
      inputs: ['n'],
      outputs: ['result', 'extra'],
    });
    expect(nodePorts(entry('http.request'), 'h', [], none)).toMatchObject({
      routes: ['success', 'failure'],
      inputs: ['url', 'body', 'headers'],
      freeInputs: false,
    });
    // a branch's input is named by its config: any name may be connected
    expect(nodePorts(entry('flow.branch'), 'b', [], none)).toMatchObject({ routes: ['true', 'false'], freeInputs: true });
  });
});

describe('connecting handles', () => {
  it('makes control and data connections, a free handle taking the other end’s name', () => {
    expect(edgeFromHandles({ source: 'a', target: 'b', sourceHandle: 'route:true', targetHandle: 'flow_input' }, 'x')).toEqual({
      id: 'x',
      source: 'a',
      target: 'b',
      sourceHandle: 'route:true',
      targetHandle: 'flow_input',
      data: { kind: 'control' },
    });
    expect(edgeFromHandles({ source: 'a', target: 'b', sourceHandle: 'out:n', targetHandle: 'in:+' }, 'x')).toMatchObject({
      sourceHandle: 'out:n',
      targetHandle: 'in:n',
    });
    expect(edgeFromHandles({ source: 'a', target: 'b', sourceHandle: 'out:+', targetHandle: 'in:url' }, 'x')).toMatchObject({
      sourceHandle: 'out:url',
      targetHandle: 'in:url',
    });
  });

  it('refuses what cannot be a connection, saying why', () => {
    const refused = (sourceHandle: string, targetHandle: string, target = 'b') => edgeFromHandles({ source: 'a', target, sourceHandle, targetHandle }, 'x');
    expect(refused('out:+', 'in:+')).toEqual({ refused: expect.stringContaining('name the output or the input first') });
    expect(refused('route:success', 'in:n')).toEqual({ refused: expect.stringContaining('route to a control input') });
    expect(refused('out:n', 'flow_input')).toHaveProperty('refused');
    expect(refused('route:success', 'flow_input', 'a')).toEqual({ refused: 'a component cannot connect to itself' });
  });

  it('builds, from new components and dragged connections, a definition the server compiles', () => {
    const start = newComponentNode(entry('flow.start'), 's', { x: 0, y: 0 }, []);
    const code = newComponentNode(entry('logic.code'), 'c', { x: 200, y: 0 }, ['Start']);
    const end = newComponentNode(entry('flow.end'), 'e', { x: 400, y: 0 }, ['Start', 'Code']);
    const second = newComponentNode(entry('logic.code'), 'c2', { x: 0, y: 0 }, ['Start', 'Code', 'End']);
    expect([start, code, end, second].map((n) => n.data.component.name)).toEqual(['Start', 'Code', 'End', 'Code 2']);
    const edges = [
      edgeFromHandles({ source: 's', target: 'c', sourceHandle: 'route:success', targetHandle: 'flow_input' }, '1'),
      edgeFromHandles({ source: 'c', target: 'e', sourceHandle: 'route:success', targetHandle: 'flow_input' }, '2'),
      edgeFromHandles({ source: 's', target: 'c', sourceHandle: 'out:n', targetHandle: 'in:+' }, '3'),
    ] as ConnectionEdge[];
    const compiled = compileDefinition(graphToDefinition([start, code, end], edges));
    expect(compiled.errors).toEqual([]);
  });

  it('groups validation errors by the component they name, naming it as the canvas does', () => {
    const errors = [
      { component_id: 'c-1', message: 'component c-1 (logic.code) is unreachable' },
      { message: 'general' },
      { component_id: 'c-1', message: 'two' },
    ];
    expect(errorsByComponent(errors, () => 'Code')).toEqual({
      pinned: new Map([['c-1', ['component "Code" (logic.code) is unreachable', 'two']]]),
      general: ['general'],
    });
  });
});

describe('copy and paste', () => {
  it('numbers a taken name', () => {
    expect(uniqueName('Code', ['Start'])).toBe('Code');
    expect(uniqueName('Code', ['Code', 'Code 2'])).toBe('Code 3');
    expect(uniqueName('Code 2', ['Code', 'Code 2'])).toBe('Code 3');
  });

  it('copies the selected components with the connections among them, and pastes them with new ids, free names and an offset', () => {
    const { nodes, edges } = definitionToGraph(fibonacciDefinition());
    const [start, code] = nodes;
    start!.selected = true;
    code!.selected = true;
    const text = copiedText(nodes, edges)!;
    let id = 0;
    const pasted = pastedGraph(text, nodes, () => `new-${++id}`)!;
    expect(pasted.nodes.map((n) => n.data.component.name)).toEqual([start!, code!].map((n) => uniqueName(n.data.component.name, [n.data.component.name])));
    expect(pasted.nodes.map((n) => n.id)).toEqual(['new-1', 'new-2']);
    expect(pasted.nodes.map((n) => n.position)).toEqual([start!.position, code!.position].map((p) => ({ x: p.x + 40, y: p.y + 40 })));
    expect(pasted.nodes.every((n) => n.selected)).toBe(true);
    expect(pasted.nodes[1]!.data.component.config).toEqual(code!.data.component.config);
    // only the connections between copied components come along, joined to the copies
    const between = edges.filter((e) => e.source === start!.id && e.target === code!.id);
    expect(pasted.edges.map((e) => [e.source, e.target, e.sourceHandle, e.targetHandle])).toEqual(
      between.map((e) => ['new-1', 'new-2', e.sourceHandle, e.targetHandle]),
    );
    expect(new Set(pasted.edges.map((e) => e.id)).size).toBe(between.length);
    expect(pasted.edges.some((e) => edges.some((old) => old.id === e.id))).toBe(false);
    // pasted again over the first copies, they move further on
    const again = pastedGraph(text, [...nodes, ...pasted.nodes], () => `new-${++id}`)!;
    expect(again.nodes.map((n) => n.position)).toEqual([start!.position, code!.position].map((p) => ({ x: p.x + 80, y: p.y + 80 })));
  });

  it('copies nothing without a selection, and pastes nothing but copied components', () => {
    const { nodes, edges } = definitionToGraph(fibonacciDefinition());
    expect(copiedText(nodes, edges)).toBeUndefined();
    const newId = () => 'x';
    for (const text of ['hello', '{}', '{"type":"workflow_definition","version":"1","components":[],"connections":[]}', '[1]'])
      expect(pastedGraph(text, [], newId)).toBeUndefined();
  });
});

describe('the add-component palette', () => {
  const all = componentCatalog();
  it('finds components by any words of their type, category or description, those named so first', () => {
    expect(matchingEntries(all, '').length).toBe(all.length);
    expect(matchingEntries(all, 'flow.end')[0]?.type).toBe('flow.end');
    expect(matchingEntries(all, 'http').map((c) => c.type)[0]).toBe('http.request');
    expect(matchingEntries(all, 'zzz no such thing')).toEqual([]);
  });
});

describe('typed playground inputs', () => {
  it('turns what was typed into value objects of the chosen type', () => {
    expect(valueOf('a', { type: 'text', raw: 'hi' })).toEqual({ type: 'text', text: 'hi' });
    expect(valueOf('a', { type: 'integer', raw: '10' })).toEqual({ type: 'integer', integer: 10 });
    expect(valueOf('a', { type: 'float', raw: '0.5' })).toEqual({ type: 'float', float: 0.5 });
    expect(valueOf('a', { type: 'boolean', raw: 'true' })).toEqual({ type: 'boolean', flag: true });
    expect(valueOf('a', { type: 'json', raw: '{"k": [1]}' })).toEqual({ type: 'json', json: { k: [1] } });
    expect(valueOf('a', { type: 'message', raw: 'hello' })).toEqual({ type: 'message', message: { role: 'user', content: [{ type: 'text', text: 'hello' }] } });
    expect(inputData({ n: { type: 'integer', raw: '3' } })).toEqual([{ alias: 'n', value: { type: 'integer', integer: 3 } }]);
  });

  it('says which input is wrong instead of sending it', () => {
    expect(() => valueOf('n', { type: 'integer', raw: '1.5' })).toThrow('input n must be an integer');
    expect(() => valueOf('x', { type: 'float', raw: '' })).toThrow('input x must be a number');
    expect(() => valueOf('j', { type: 'json', raw: '{' })).toThrow(/input j is not valid JSON/);
  });
});
