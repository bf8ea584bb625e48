/**
 * Property graphs over REST and WebSocket on real PostgreSQL and Temporal: the eight mutation ops,
 * atomic batches, if_rev between concurrent writers, the reads, the step queries on a graph of a
 * few thousand elements, and graph.mutate / graph.query inside a flow.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCode } from '../../test/support/client';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { RealtimeClient } from '../../test/realtime/realtime-client';
import { comp, data, definition, ENGINE, flow, newWorkflowBlob, start, upload, waitForStatus } from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;
let session: string;

const cmd = (command: string, params: Record<string, unknown> = {}) => p.admin.data(rev, ENGINE, command, { session_id: session, ...params });
const graphValue = (name: string) => ({ type: 'graph', graph: { attributes: { name }, metadata: {} } });
const newGraph = async (alias: string) => expect((await cmd('upload_session_object', { alias, value: graphValue(alias) })).status).toBe(200);
const mutate = (alias: string, operations: unknown[]) => cmd('apply_session_graph_mutations', { alias, operations });
const query = (alias: string, start: unknown[], steps: unknown[][] = []) => cmd('query_session_graph', { alias, query: { start, steps } });
const ids = (elements: any[]) => elements.map((e) => e.element_id);

beforeAll(async () => {
  p = await startTestPlatform();
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'graphs'));
  session = (await p.admin.data(rev, ENGINE, 'create_session', {})).body.session.id;
});
afterAll(async () => {
  await p?.close();
});

describe('mutations', () => {
  it('applies all eight ops in order and reports each change; the elements carry labels, props and revs', async () => {
    await newGraph('tasks');
    const res = await mutate('tasks', [
      { op: 'add_vertex', element_id: 'task:1', labels: ['task', 'urgent'], props: { title: 'write', points: 3 } },
      { op: 'add_vertex', element_id: 'task:2', labels: ['task'], props: { title: 'review' } },
      { op: 'add_vertex', labels: ['person'], props: { name: 'ada' } },
      { op: 'add_edge', element_id: 'e:1', label: 'blocks', from_id: 'task:1', to_id: 'task:2', props: { since: 1 } },
      { op: 'set_vertex_props', element_id: 'task:1', props: { points: 5, owner: 'ada' }, if_rev: 1 },
      { op: 'set_edge_props', element_id: 'e:1', props: { hard: true } },
      { op: 'remove_vertex_props', element_id: 'task:1', keys: ['title'] },
      { op: 'remove_edge_props', element_id: 'e:1', keys: ['since'] },
    ]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.changes.map((c: any) => [c.op, c.rev])).toEqual([
      ['add_vertex', 1],
      ['add_vertex', 1],
      ['add_vertex', 1],
      ['add_edge', 1],
      ['set_vertex_props', 2],
      ['set_edge_props', 2],
      ['remove_vertex_props', 3],
      ['remove_edge_props', 3],
    ]);
    const generatedId = res.body.changes[2].element_id;
    expect(generatedId).toMatch(/^[0-9a-z]{26}$/);

    const task = (await cmd('get_session_graph_element', { alias: 'tasks', element_id: 'task:1' })).body.element;
    expect(task).toMatchObject({ element_id: 'task:1', type: 'vertex', labels: ['task', 'urgent'], props: { points: 5, owner: 'ada' }, rev: 3 });
    expect(task.user_id).toMatch(/^usr_/);
    const edge = (await cmd('get_session_graph_element', { alias: 'tasks', element_id: 'e:1' })).body.element;
    expect(edge).toMatchObject({ type: 'edge', label: 'blocks', from_id: 'task:1', to_id: 'task:2', props: { hard: true }, rev: 3 });

    const some = await cmd('get_session_graph_elements', { alias: 'tasks', element_ids: ['task:2', 'e:1', 'missing'] });
    expect(ids(some.body.elements).sort()).toEqual(['e:1', 'task:2']);

    const deleted = await mutate('tasks', [{ op: 'delete_vertex', element_id: 'task:2' }]);
    expect(deleted.body.changes.map((c: any) => [c.op, c.element_id])).toEqual([
      ['delete_edge', 'e:1'],
      ['delete_vertex', 'task:2'],
    ]);
    expect((await cmd('get_session_graph_element', { alias: 'tasks', element_id: 'e:1' })).status).toBe(404);
    expect((await mutate('tasks', [{ op: 'delete_vertex', element_id: generatedId }])).status).toBe(200);
    await mutate('tasks', [
      { op: 'add_vertex', element_id: 'task:3', labels: ['task'] },
      { op: 'add_edge', element_id: 'e:2', label: 'blocks', from_id: 'task:1', to_id: 'task:3' },
    ]);
    const staleDelete = await mutate('tasks', [{ op: 'delete_edge', element_id: 'e:2', if_rev: 7 }]);
    expect([staleDelete.status, errorCode(staleDelete)]).toEqual([409, 'conflict']);
    expect((await mutate('tasks', [{ op: 'delete_edge', element_id: 'e:2', if_rev: 1 }])).status).toBe(200);
    expect((await cmd('get_session_graph_elements', { alias: 'tasks', element_ids: ['e:2'] })).body.elements).toEqual([]);
  });

  it('fails a whole batch on an edge to a missing vertex, a stale if_rev, a duplicate id or a missing element, changing nothing', async () => {
    await newGraph('atomic');
    await mutate('atomic', [{ op: 'add_vertex', element_id: 'a', labels: ['n'], props: { v: 1 } }]);
    const eventsBefore = (await cmd('list_session_events', { types: ['session_graph_changed'], limit: 1000 })).body.session_events.length;
    const prefix = [
      { op: 'add_vertex', element_id: 'b', labels: ['n'] },
      { op: 'set_vertex_props', element_id: 'a', props: { v: 2 } },
    ];
    const missingEnd = await mutate('atomic', [...prefix, { op: 'add_edge', label: 'to', from_id: 'a', to_id: 'ghost' }]);
    expect([missingEnd.status, errorCode(missingEnd)]).toEqual([400, 'bad_request']);
    expect(missingEnd.body.message ?? missingEnd.body.error?.message).toContain('to_id ghost');
    const stale = await mutate('atomic', [...prefix, { op: 'set_vertex_props', element_id: 'a', props: { v: 3 }, if_rev: 1 }]);
    expect([stale.status, errorCode(stale)]).toEqual([409, 'conflict']);
    expect(stale.body.details ?? stale.body.error?.details).toMatchObject({ element_id: 'a', rev: 2, if_rev: 1, operation_index: 2 });
    const duplicate = await mutate('atomic', [
      { op: 'add_vertex', element_id: 'b', labels: ['n'] },
      { op: 'add_vertex', element_id: 'a', labels: ['n'] },
    ]);
    expect([duplicate.status, errorCode(duplicate)]).toEqual([409, 'conflict']);
    const gone = await mutate('atomic', [...prefix, { op: 'delete_edge', element_id: 'a' }]);
    expect([gone.status, errorCode(gone)]).toEqual([404, 'not_found']);
    const edgeToEdge = await mutate('atomic', [
      { op: 'add_vertex', element_id: 'c', labels: ['n'] },
      { op: 'add_edge', element_id: 'ac', label: 'to', from_id: 'a', to_id: 'c' },
      { op: 'add_edge', label: 'to', from_id: 'a', to_id: 'ac' },
    ]);
    expect(edgeToEdge.status).toBe(400);
    const badOp = await mutate('atomic', [{ op: 'rename_vertex', element_id: 'a' }]);
    expect([badOp.status, errorCode(badOp)]).toEqual([400, 'bad_request']);

    const all = (await cmd('list_session_graph_elements', { alias: 'atomic' })).body.elements;
    expect(all).toHaveLength(1);
    expect(all[0]).toMatchObject({ element_id: 'a', props: { v: 1 }, rev: 1 });
    expect((await cmd('list_session_events', { types: ['session_graph_changed'], limit: 1000 })).body.session_events.length).toBe(eventsBefore);
  });

  it('refuses graph commands on a missing alias or a non-graph envelope', async () => {
    await cmd('upload_session_object', { alias: 'plain', value: { type: 'thread', thread: {} } });
    for (const res of [
      await mutate('plain', [{ op: 'add_vertex', labels: ['x'] }]),
      await mutate('nowhere', [{ op: 'add_vertex', labels: ['x'] }]),
      await cmd('get_session_graph_element', { alias: 'plain', element_id: 'x' }),
      await cmd('list_session_graph_elements', { alias: 'nowhere' }),
      await cmd('list_session_graph_neighbors', { alias: 'plain', from: ['x'] }),
      await query('nowhere', ['V']),
    ]) {
      expect([res.status, errorCode(res)]).toEqual([400, 'invalid_graph_envelope']);
    }
  });

  it('lets exactly one of several concurrent writers with the same if_rev win', async () => {
    await newGraph('race');
    await mutate('race', [{ op: 'add_vertex', element_id: 'counter', labels: ['c'], props: { n: 0 } }]);
    const writers = await Promise.all(
      Array.from({ length: 8 }, (_, i) => mutate('race', [{ op: 'set_vertex_props', element_id: 'counter', props: { n: i + 1, by: i }, if_rev: 1 }])),
    );
    const won = writers.filter((w) => w.status === 200);
    expect(won).toHaveLength(1);
    expect(writers.filter((w) => w.status === 409).every((w) => String(w.body.message ?? w.body.error?.message).includes('counter'))).toBe(true);
    const counter = (await cmd('get_session_graph_element', { alias: 'race', element_id: 'counter' })).body.element;
    expect(counter.rev).toBe(2);
    expect(counter.props.n).toBe(counter.props.by + 1);

    // read-modify-write with retries: every increment lands exactly once
    const increment = async () => {
      for (;;) {
        const current = (await cmd('get_session_graph_element', { alias: 'race', element_id: 'counter' })).body.element;
        const res = await mutate('race', [{ op: 'set_vertex_props', element_id: 'counter', props: { n: current.props.n + 1 }, if_rev: current.rev }]);
        if (res.status === 200) return;
        expect(res.status).toBe(409);
      }
    };
    const before = counter.props.n;
    await Promise.all(Array.from({ length: 6 }, increment));
    expect((await cmd('get_session_graph_element', { alias: 'race', element_id: 'counter' })).body.element.props.n).toBe(before + 6);
  });

  it('records session_graph_changed with the changes and pushes it over the WebSocket', async () => {
    await newGraph('watched');
    const ws = await RealtimeClient.connect(p.url, { key: p.adminKey });
    await ws.request('subscription/add', { scope: 'revision', scope_id: rev, target: 'session', target_id: session, types: ['session_graph_changed'] });
    await mutate('watched', [
      { op: 'add_vertex', element_id: 'x', labels: ['n'] },
      { op: 'add_vertex', element_id: 'y', labels: ['n'] },
      { op: 'add_edge', element_id: 'xy', label: 'l', from_id: 'x', to_id: 'y' },
    ]);
    await ws.waitForEvents(1, session);
    const [event] = ws.events(session);
    expect(event).toMatchObject({ type: 'session_graph_changed', alias: 'watched', session_id: session, revision_id: rev });
    expect(event.changes).toEqual([
      { op: 'add_vertex', element_id: 'x', type: 'vertex', rev: 1 },
      { op: 'add_vertex', element_id: 'y', type: 'vertex', rev: 1 },
      { op: 'add_edge', element_id: 'xy', type: 'edge', rev: 1 },
    ]);
    await ws.close();
  });

  it('deletes the elements with their envelope, or when the envelope is replaced by another type, but not by a new graph envelope', async () => {
    await newGraph('doomed');
    await mutate('doomed', [{ op: 'add_vertex', element_id: 'v', labels: ['n'] }]);
    await newGraph('doomed');
    expect(ids((await cmd('list_session_graph_elements', { alias: 'doomed' })).body.elements)).toEqual(['v']);
    expect((await cmd('delete_session_object', { alias: 'doomed' })).status).toBe(200);
    await newGraph('doomed');
    expect((await cmd('list_session_graph_elements', { alias: 'doomed' })).body.elements).toEqual([]);
    await mutate('doomed', [{ op: 'add_vertex', element_id: 'w', labels: ['n'] }]);
    await cmd('upload_session_object', { alias: 'doomed', value: { plain: true } });
    await newGraph('doomed');
    expect((await cmd('list_session_graph_elements', { alias: 'doomed' })).body.elements).toEqual([]);
  });
});

/**
 * A known graph: `size` people p0…, each `follows` the next three (mod size), and every tenth one
 * also `likes` a topic t(i mod 10). Expected answers are computed from that rule in the test.
 */
const size = 1500;
const topics = 10;
const follows = (i: number) => [1, 2, 3].map((d) => (i + d) % size);

describe('reads and queries on a graph of a few thousand elements', () => {
  beforeAll(async () => {
    await newGraph('social');
    const ops: unknown[] = [];
    for (let t = 0; t < topics; t++) ops.push({ op: 'add_vertex', element_id: `t${t}`, labels: ['topic'], props: { name: `topic ${t}` } });
    for (let i = 0; i < size; i++)
      ops.push({ op: 'add_vertex', element_id: `p${i}`, labels: i % 2 ? ['person'] : ['person', 'even'], props: { age: 20 + (i % 50), name: `person ${i}` } });
    for (let i = 0; i < size; i++) {
      for (const j of follows(i))
        ops.push({ op: 'add_edge', element_id: `f${i}-${j}`, label: 'follows', from_id: `p${i}`, to_id: `p${j}`, props: { weight: (i + j) % 7 } });
      if (i % 10 === 0) ops.push({ op: 'add_edge', element_id: `l${i}`, label: 'likes', from_id: `p${i}`, to_id: `t${(i / 10) % topics}` });
    }
    for (let at = 0; at < ops.length; at += 2000) {
      const res = await mutate('social', ops.slice(at, at + 2000));
      expect(res.status, JSON.stringify(res.body).slice(0, 500)).toBe(200);
    }
  }, 120_000);

  it('pages through every element in insertion order both ways, by type, as ids only and by updated_since', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await cmd('list_session_graph_elements', {
        alias: 'social',
        type: 'vertex',
        ascending: true,
        ids_only: true,
        limit: 400,
        ...(cursor ? { cursor } : {}),
      });
      expect(res.status).toBe(200);
      seen.push(...res.body.element_ids.map((e: any) => e.element_id));
      cursor = res.body.cursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(size + topics);
    expect(seen.slice(0, 2)).toEqual(['t0', 't1']);
    const newest = (await cmd('list_session_graph_elements', { alias: 'social', limit: 1 })).body.elements[0];
    expect(newest.type).toBe('edge');

    const marker = new Date().toISOString();
    await mutate('social', [
      { op: 'set_vertex_props', element_id: 'p7', props: { touched: true } },
      { op: 'set_edge_props', element_id: 'f8-9', props: { touched: true } },
    ]);
    const updated = await cmd('list_session_graph_elements', { alias: 'social', updated_since: marker, ascending: true });
    expect(ids(updated.body.elements)).toEqual(['p7', 'f8-9']);
    const mixed = await cmd('list_session_graph_elements', {
      alias: 'social',
      updated_since: marker,
      cursor: (await cmd('list_session_graph_elements', { alias: 'social', limit: 1 })).body.cursor,
    });
    expect([mixed.status, errorCode(mixed)]).toEqual([400, 'invalid_cursor']);
  });

  it('lists neighbors by direction, edge label and neighbor label, paging by cursor', async () => {
    const out = await cmd('list_session_graph_neighbors', { alias: 'social', from: ['p10'], direction: 'out' });
    expect(ids(out.body.edges)).toEqual(['f10-11', 'f10-12', 'f10-13', 'l10']);
    expect(ids(out.body.vertices).sort()).toEqual(['p11', 'p12', 'p13', 't1']);
    const into = await cmd('list_session_graph_neighbors', { alias: 'social', from: ['p10'], direction: 'in', label: 'follows' });
    expect(ids(into.body.vertices).sort()).toEqual(['p7', 'p8', 'p9']);
    const topicsOnly = await cmd('list_session_graph_neighbors', { alias: 'social', from: ['p10', 'p20'], neighbor_label: 'topic' });
    expect(ids(topicsOnly.body.vertices).sort()).toEqual(['t1', 't2']);

    const pages: string[] = [];
    let cursor: string | undefined;
    do {
      const res = await cmd('list_session_graph_neighbors', { alias: 'social', from: ['p10', 'p11'], limit: 3, ...(cursor ? { cursor } : {}) });
      pages.push(...ids(res.body.edges));
      cursor = res.body.cursor ?? undefined;
    } while (cursor);
    // both directions of two adjacent people: 3+3 out, 3+3 in, 1 like; f10-11 is at both and counted once
    expect(pages).toHaveLength(12);
    expect(new Set(pages).size).toBe(12);

    const bad = await cmd('list_session_graph_neighbors', { alias: 'social', from: ['p10'], cursor: 'garbage' });
    expect([bad.status, errorCode(bad)]).toEqual([400, 'invalid_cursor']);
    const otherDirection = await cmd('list_session_graph_neighbors', {
      alias: 'social',
      from: ['p10'],
      direction: 'out',
      cursor: (await cmd('list_session_graph_neighbors', { alias: 'social', from: ['p10'], limit: 1 })).body.cursor,
    });
    expect([otherDirection.status, errorCode(otherDirection)]).toEqual([400, 'invalid_cursor']);
  });

  it('answers traversals, filters and terminal steps as the graph says', async () => {
    const twoHop = await query('social', ['V', 'p0'], [['out', 'follows'], ['out', 'follows'], ['dedup']]);
    expect(twoHop.status, JSON.stringify(twoHop.body)).toBe(200);
    const expected = [...new Set(follows(0).flatMap(follows))].map((i) => `p${i}`).sort();
    expect(ids(twoHop.body.results).sort()).toEqual(expected);
    expect(twoHop.body.results[0]).toMatchObject({ type: 'vertex', labels: expect.arrayContaining(['person']) });

    const withDuplicates = await query('social', ['V', 'p0'], [['out', 'follows'], ['out', 'follows'], ['count']]);
    expect(withDuplicates.body.results).toEqual([9]);
    const back = await query('social', ['V', 'p5'], [['in'], ['values', 'name']]);
    expect(back.body.results.sort()).toEqual(['person 2', 'person 3', 'person 4']);
    const both = await query('social', ['V', 'p5'], [['both', 'follows'], ['count']]);
    expect(both.body.results).toEqual([6]);

    const edges = await query('social', ['V', 'p0'], [['outE', 'follows'], ['has', 'weight', 'gte', 2], ['inV'], ['values', 'name']]);
    expect(edges.body.results.sort()).toEqual(
      follows(0)
        .filter((j) => j % 7 >= 2)
        .map((j) => `person ${j}`)
        .sort(),
    );
    const tails = await query('social', ['E', 'l30'], [['outV'], ['project', ['name', 'age', 'missing']]]);
    expect(tails.body.results).toEqual([{ name: 'person 30', age: 50, missing: null }]);
    const likedBy = await query('social', ['V', 't3'], [['inE', 'likes'], ['outV'], ['hasLabel', 'even'], ['count']]);
    expect(likedBy.body.results).toEqual([
      Array.from({ length: size }, (_, i) => i).filter((i) => i % 10 === 0 && (i / 10) % topics === 3 && i % 2 === 0).length,
    ]);
    const bothE = await query('social', ['V', 'p5'], [['bothE'], ['count']]);
    expect(bothE.body.results).toEqual([6]);

    const older = await query('social', ['V'], [['hasLabel', 'person'], ['has', 'age', 'gt', 65], ['count']]);
    expect(older.body.results).toEqual([Array.from({ length: size }, (_, i) => 20 + (i % 50)).filter((a) => a > 65).length]);
    const exact = await query('social', ['V'], [['has', 'name', 'eq', 'person 42'], ['properties']]);
    expect(exact.body.results).toEqual([{ age: 20 + (42 % 50), name: 'person 42' }]);
    const notSo = await query('social', ['V'], [['hasLabel', 'topic'], ['has', 'name', 'neq', 'topic 0'], ['count']]);
    expect(notSo.body.results).toEqual([topics - 1]);
    const ages = await query('social', ['V'], [['hasLabel', 'person'], ['values', 'age'], ['dedup'], ['count']]);
    expect(ages.body.results).toEqual([50]);
    const firstThree = await query(
      'social',
      ['V'],
      [
        ['hasLabel', 'person'],
        ['limit', 3],
      ],
    );
    expect(ids(firstThree.body.results)).toEqual(['p0', 'p1', 'p2']);
    const all = await query('social', ['E'], [['hasLabel', 'follows'], ['count']]);
    expect(all.body.results).toEqual([size * 3]);
    expect((await query('social', ['V', 'nobody'], [['out']])).body.results).toEqual([]);
  });

  it('refuses malformed queries with a step-naming invalid_graph_query', async () => {
    for (const [steps, fragment] of [
      [[['fly']], 'unknown step fly'],
      [[['inV']], 'inV needs edge'],
      [[['outE'], ['out']], 'out needs vertex'],
      [[['has', 'age', 'like', 3]], 'op must be one of'],
      [[['has', 'age', 'lt', { x: 1 }]], 'number or a string'],
      [[['limit', -1]], 'limit'],
      [[['values', 'name'], ['out']], 'the traversers here are values'],
    ] as [unknown[][], string][]) {
      const res = await query('social', ['V'], steps);
      expect([res.status, errorCode(res)]).toEqual([400, 'invalid_graph_query']);
      expect(res.body.message ?? res.body.error?.message).toContain(fragment);
    }
    const badStart = await query('social', ['X']);
    expect([badStart.status, errorCode(badStart)]).toEqual([400, 'bad_request']);
  });
});

describe('graph components in a flow', () => {
  it('graph.mutate writes the session graph and graph.query reads it; a refused batch fails the component and changes nothing', async () => {
    await newGraph('flowgraph');
    const def = definition(
      [
        comp('s', 'flow.start'),
        comp('m', 'graph.mutate', {
          alias: 'flowgraph',
          operations: [
            { op: 'add_vertex', element_id: 'a', labels: ['step'], props: { n: 1 } },
            { op: 'add_vertex', element_id: 'b', labels: ['step'], props: { n: 2 } },
            { op: 'add_edge', element_id: 'ab', label: 'next', from_id: 'a', to_id: 'b' },
          ],
        }),
        comp('q', 'graph.query', { alias: 'flowgraph' }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'm'), flow('m', 'q'), flow('q', 'e'), data('s', 'query', 'q'), data('q', 'results', 'e'), data('m', 'changes', 'e')],
    );
    await upload(p.admin, rev, 'grapher', def);
    const input = (q: unknown) => [{ alias: 'query', value: { type: 'json', json: q } }];
    const execution = await start(
      p.admin,
      rev,
      'grapher',
      input({
        start: ['V', 'a'],
        steps: [
          ['out', 'next'],
          ['values', 'n'],
        ],
      }),
      { session_id: session },
    );
    const ended = await waitForStatus(p.admin, rev, execution.id);
    expect(ended.status, JSON.stringify(ended.error)).toBe('completed');
    const outputs = Object.fromEntries(ended.output_data.map((o: any) => [o.alias, o.value.json]));
    expect(outputs.results).toEqual([2]);
    expect(outputs.changes.map((c: any) => c.element_id)).toEqual(['a', 'b', 'ab']);
    const changed = (await cmd('list_session_events', { types: ['session_graph_changed'], ascending: false, limit: 1 })).body.session_events[0];
    expect(changed).toMatchObject({ execution_id: execution.id, alias: 'flowgraph' });
    expect(ids((await cmd('list_session_graph_elements', { alias: 'flowgraph', ascending: true })).body.elements)).toEqual(['a', 'b', 'ab']);

    // the same batch again conflicts (the ids exist): the component fails and the graph is unchanged
    const again = await waitForStatus(p.admin, rev, (await start(p.admin, rev, 'grapher', input({ start: ['V'] }), { session_id: session })).id);
    expect(again.status).toBe('failed');
    expect(again.error.message).toContain('already exists');
    expect((await cmd('list_session_graph_elements', { alias: 'flowgraph' })).body.elements).toHaveLength(3);
  });
});
