/**
 * Graph benchmark (not a test): one PostgreSQL, one Temporal dev server, one API process. A graph
 * session object of 100,000 vertices and 300,000 edges (each vertex has three out-edges to
 * seeded-random vertices) is loaded through REST apply_session_graph_mutations, then:
 *  - mutation batches per second: batches of 100 ops (50 set_vertex_props, 25 add_edge,
 *    25 delete_edge) through REST, against the same statements written by hand (one transaction
 *    per batch on the same connection pool: a multi-row insert, one update per vertex, one delete);
 *  - the 2-hop neighbor query (distinct vertices two out-steps away, as full elements):
 *    `query_session_graph {start: ["V", id], steps: [["out"], ["out"], ["dedup"]]}` through REST and
 *    the compiled statement in-process, against the same query written by hand in SQL.
 *
 *   npm run bench:graph
 *   BENCH_VERTICES=20000 BENCH_SECONDS=5 BENCH_SAMPLES=200 npm run bench:graph
 */
import { sql } from 'drizzle-orm';
import { graphElements } from '../../db/schema';
import { queryGraph } from '../../engines/workflow/graph/query';
import { rowsOf } from '../../engines/workflow/graph/reads';
import { startBenchPlatform } from '../support/platform';
import { percentile } from '../support/stats';

const vertices = Number(process.env.BENCH_VERTICES ?? 100_000);
const edgesPerVertex = 3;
const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const samples = Number(process.env.BENCH_SAMPLES ?? 500);
const LOAD_BATCH = 5000;
const ENGINE = 'workflow_blobhub';
const ALIAS = 'bench';

/** mulberry32: the same graph and the same samples on every run. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(42);
const pick = (n: number) => Math.floor(random() * n);

const platform = await startBenchPlatform({ worker: false });
const { app, admin } = platform;
try {
  await admin.post('/orgs', { name: 'bench' });
  const revision = (await admin.post('/orgs/bench/blobs', { name: 'graph', type: 'workflow', visibility: 'private' })).body.revision.id as string;
  const sessionId = (await admin.data(revision, ENGINE, 'create_session', {})).body.session.id as string;
  const command = async (name: string, params: Record<string, unknown>) => {
    const res = await admin.data(revision, ENGINE, name, { session_id: sessionId, alias: ALIAS, ...params });
    if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return res.body;
  };
  await admin.data(revision, ENGINE, 'upload_session_object', { session_id: sessionId, alias: ALIAS, value: { type: 'graph', graph: {} } });

  // ---- load
  const loadOps: unknown[] = [];
  for (let i = 0; i < vertices; i++) loadOps.push({ op: 'add_vertex', element_id: `v${i}`, labels: ['node'], props: { n: i } });
  let edgeCount = 0;
  for (let i = 0; i < vertices; i++) {
    for (let k = 0; k < edgesPerVertex; k++)
      loadOps.push({ op: 'add_edge', element_id: `e${edgeCount++}`, label: 'link', from_id: `v${i}`, to_id: `v${pick(vertices)}` });
  }
  const loadStart = performance.now();
  for (let at = 0; at < loadOps.length; at += LOAD_BATCH) await command('apply_session_graph_mutations', { operations: loadOps.slice(at, at + LOAD_BATCH) });
  const loadSeconds = (performance.now() - loadStart) / 1000;
  await app.db.execute(sql`analyze ${graphElements}`);
  console.log(
    `loaded ${vertices} vertices + ${edgeCount} edges through REST in ${loadSeconds.toFixed(1)} s (${Math.round(loadOps.length / loadSeconds)} ops/s in batches of ${LOAD_BATCH})`,
  );

  // ---- mutation batches
  let nextEdge = edgeCount;
  let oldestEdge = 0;
  let round = 0;
  /** 50 prop updates, 25 new edges, 25 deleted (the oldest ones), fresh ids every batch */
  function mutationBatch() {
    round++;
    const sets = Array.from({ length: 50 }, () => ({ id: `v${pick(vertices)}`, props: { touched: round } }));
    const adds = Array.from({ length: 25 }, () => ({ id: `e${nextEdge++}`, from: `v${pick(vertices)}`, to: `v${pick(vertices)}` }));
    const deletes = Array.from({ length: 25 }, () => `e${oldestEdge++}`);
    return { sets, adds, deletes };
  }
  type Batch = ReturnType<typeof mutationBatch>;
  const viaRest = (b: Batch) =>
    command('apply_session_graph_mutations', {
      operations: [
        ...b.sets.map((s) => ({ op: 'set_vertex_props', element_id: s.id, props: s.props })),
        ...b.adds.map((a) => ({ op: 'add_edge', element_id: a.id, label: 'link', from_id: a.from, to_id: a.to })),
        ...b.deletes.map((id) => ({ op: 'delete_edge', element_id: id })),
      ],
    });
  const byHand = (b: Batch) =>
    app.db.transaction(async (tx) => {
      for (const s of b.sets) {
        await tx.execute(sql`update ${graphElements} set props = props || ${JSON.stringify(s.props)}::jsonb, rev = rev + 1, updated_at = now()
          where session_id = ${sessionId} and alias = ${ALIAS} and element_id = ${s.id}`);
      }
      const rows = b.adds.map((a) => sql`(${sessionId}, ${ALIAS}, ${a.id}, 'edge', 'link', ${a.from}, ${a.to})`);
      await tx.execute(sql`insert into ${graphElements} (session_id, alias, element_id, type, label, from_id, to_id) values ${sql.join(rows, sql`, `)}`);
      await tx.execute(sql`delete from ${graphElements} where session_id = ${sessionId} and alias = ${ALIAS} and element_id in ${b.deletes}`);
    });
  async function batchesPerSecond(apply: (b: Batch) => Promise<unknown>) {
    const until = performance.now() + seconds * 1000;
    const latencies: number[] = [];
    while (performance.now() < until) {
      const started = performance.now();
      await apply(mutationBatch());
      latencies.push(performance.now() - started);
    }
    latencies.sort((a, b) => a - b);
    return { rate: latencies.length / seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
  }
  const mutationRows: [string, Awaited<ReturnType<typeof batchesPerSecond>>][] = [];
  for (const [name, apply] of [
    ['hand-written SQL (1 transaction)', byHand],
    ['REST apply_session_graph_mutations', viaRest],
  ] as const) {
    mutationRows.push([name, await batchesPerSecond(apply)]);
  }

  // ---- 2-hop query
  const twoHopByHand = (id: string) =>
    app.db.execute(sql`
      select v.* from ${graphElements} v
      where v.session_id = ${sessionId} and v.alias = ${ALIAS} and v.element_id in (
        select e2.to_id from ${graphElements} e1
        join ${graphElements} e2 on e2.session_id = e1.session_id and e2.alias = e1.alias and e2.type = 'edge' and e2.from_id = e1.to_id
        where e1.session_id = ${sessionId} and e1.alias = ${ALIAS} and e1.type = 'edge' and e1.from_id = ${id})`);
  const twoHop = { steps: [['out'], ['out'], ['dedup']] as [string, ...unknown[]][] };
  const queryOf = (id: string) => ({ ...twoHop, start: ['V', id] as ['V', string] });
  const graph = { sessionId, alias: ALIAS };
  const runners: [string, (id: string) => Promise<number>][] = [
    ['hand-written SQL', async (id) => rowsOf(await twoHopByHand(id)).length],
    ['compiled query, in-process', async (id) => (await queryGraph(app.db, graph, queryOf(id)).then((a) => (a.kind === 'elements' ? a.elements : []))).length],
    ['REST query_session_graph', async (id) => ((await command('query_session_graph', { query: queryOf(id) })).results as unknown[]).length],
  ];
  const starts = Array.from({ length: samples }, () => `v${pick(vertices)}`);
  // same answers from all three, then timings in alternating order
  for (const id of starts.slice(0, 20)) {
    const counts = await Promise.all(runners.map(([, run]) => run(id)));
    if (new Set(counts).size !== 1) throw new Error(`2-hop answers differ for ${id}: ${counts.join(' / ')}`);
  }
  const timings: number[][] = runners.map(() => []);
  for (const id of starts) {
    for (const [i, [, run]] of runners.entries()) {
      const started = performance.now();
      await run(id);
      timings[i]?.push(performance.now() - started);
    }
  }

  const ms = (x: number) => `${x.toFixed(2)} ms`;
  console.log(`\nmutation batches of 100 ops (50 set_vertex_props, 25 add_edge, 25 delete_edge), ${seconds} s each, one writer`);
  console.log('| path | batches/s | p50 | p99 |\n|---|---|---|---|');
  for (const [name, r] of mutationRows) console.log(`| ${name} | ${r.rate.toFixed(1)} | ${ms(r.p50)} | ${ms(r.p99)} |`);
  console.log(`\n2-hop neighbors (out, out, dedup → vertex elements) from ${samples} seeded-random vertices`);
  console.log('| path | p50 | p99 |\n|---|---|---|');
  for (const [i, [name]] of runners.entries()) {
    const sorted = [...(timings[i] ?? [])].sort((a, b) => a - b);
    console.log(`| ${name} | ${ms(percentile(sorted, 50))} | ${ms(percentile(sorted, 99))} |`);
  }
} finally {
  await platform.shutdown();
}
