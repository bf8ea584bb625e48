/**
 * Run history search benchmark (not a test): one PostgreSQL, one Temporal dev server, one API
 * process. A revision holds BENCH_EXECUTIONS executions (default 50,000; five definition aliases,
 * manual and scheduled, two starters) with ten component events each, 1 % of them with a failed
 * component, written straight into the tables. Then list_executions (a page of 20) through REST
 * with each filter, timed over BENCH_SAMPLES calls; the baseline is the same calls in the same run
 * after dropping the indexes this search added (the revision/id, revision/alias/id and
 * component-failure indexes), so the difference is what they buy. The `+ total` rows are the
 * web app's calls (the page and the count of all matches up to 10,000): their baseline is the
 * same filter's row without the total.
 *
 *   npm run bench:execution-search
 *   BENCH_EXECUTIONS=200000 BENCH_SAMPLES=100 npm run bench:execution-search
 */
import { eq, sql } from 'drizzle-orm';
import { theRow } from '../../core/errors';
import { users } from '../../db/schema';
import { startBenchPlatform } from '../support/platform';
import { median, percentile } from '../support/stats';

const executionCount = Number(process.env.BENCH_EXECUTIONS ?? 50_000);
const samples = Number(process.env.BENCH_SAMPLES ?? 50);
const ENGINE = 'workflow_blobhub';
/** the API key the generated executions started with (every 7th) */
const KEY_ID = 'key_00000000000000000000000000';
const ADDED_INDEXES = ['workflow_executions_revision_id_idx', 'workflow_executions_revision_alias_idx', 'events_execution_failures_idx'];

const platform = await startBenchPlatform({ worker: false });
const { app, admin } = platform;
try {
  await admin.post('/orgs', { name: 'bench' });
  const created = await admin.post('/orgs/bench/blobs', { name: 'flows', type: 'workflow', visibility: 'private' });
  const revisionId = created.body.revision.id as string;
  const sessionId = (await admin.data(revisionId, ENGINE, 'create_session', {})).body.session.id as string;
  const { id: starter } = await app.db.select({ id: users.id }).from(users).where(eq(users.isInstanceAdmin, true)).then(theRow);

  const loadStart = performance.now();
  // ids sort as ULIDs do (newest last); every 50th is scheduled, every 7th started with a key, every 100th has a failed `explode`
  await app.db.execute(sql`
    insert into workflow_executions (id, session_id, revision_id, definition_id, alias, definition_hash, status, created_by, created_by_key_id, trigger, created_at)
    select 'exe_' || lpad(to_hex(i), 26, '0'), ${sessionId}, ${revisionId}, 'def_bench', 'flow-' || (i % 5), 'hash',
           case when i % 100 = 0 then 'failed' else 'succeeded' end, ${starter},
           case when i % 7 = 0 then ${KEY_ID} end, case when i % 50 = 0 then 'schedule' else 'manual' end,
           now() - make_interval(secs => ${executionCount} - i)
    from generate_series(1, ${executionCount}) as i`);
  await app.db.execute(sql`
    insert into events (id, seq, org_id, revision_id, session_id, execution_id, type, attributes, created_at)
    select 'evt_' || lpad(to_hex(i * 10 + k), 26, '0'), i * 10 + k, ${created.body.blob.org_id}, ${revisionId}, ${sessionId},
           'exe_' || lpad(to_hex(i), 26, '0'),
           case when k = 9 and i % 100 = 0 then 'processor.error' when k % 2 = 0 then 'processor.entered' else 'processor.exited' end,
           jsonb_build_object('processor_id', case when k = 9 and i % 100 = 0 then 'explode' else 'c' || k end, 'route', 'success'),
           0
    from generate_series(1, ${executionCount}) as i, generate_series(0, 9) as k`);
  await app.db.execute(sql`analyze workflow_executions`);
  await app.db.execute(sql`analyze events`);
  console.log(`loaded ${executionCount} executions and ${executionCount * 10} events in ${((performance.now() - loadStart) / 1000).toFixed(1)} s`);

  const middle = new Date(Date.now() - (executionCount / 2) * 1000).toISOString();
  const queries: [string, Record<string, unknown>][] = [
    ['no filter', {}],
    ['alias', { alias: 'flow-3' }],
    ['status failed', { status: 'failed' }],
    ['trigger schedule + alias', { trigger: 'schedule', alias: 'flow-0' }],
    ['started_by key', { started_by: KEY_ID }],
    ['time window', { created_since: middle, created_before: new Date(Date.parse(middle) + 3_600_000).toISOString() }],
    ['component_failed', { component_failed: 'explode' }],
    ['component_failed, none match', { component_failed: 'nowhere' }],
    // the web app's list asks for the total; compare with 'no filter' and 'alias' above (the same page without it)
    ['no filter + total (capped)', { include_total: true }],
    ['alias + total (capped)', { alias: 'flow-3', include_total: true }],
    ['status failed + total', { status: 'failed', include_total: true }],
    ['search: part of an alias', { search: 'ow-3' }],
    ['search: an execution id', { search: `exe_${(executionCount >> 1).toString(16).padStart(26, '0')}` }],
  ];

  async function measure() {
    const results = new Map<string, number[]>();
    for (const [name, params] of queries) {
      const times: number[] = [];
      for (let i = 0; i < samples; i++) {
        const start = performance.now();
        const res = await admin.data(revisionId, ENGINE, 'list_executions', { limit: 20, ...params });
        times.push(performance.now() - start);
        if (res.status !== 200) throw new Error(`${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
      }
      results.set(
        name,
        times.sort((a, b) => a - b),
      );
    }
    return results;
  }

  const indexed = await measure();
  for (const index of ADDED_INDEXES) await app.db.execute(sql.raw(`drop index ${index}`));
  const baseline = await measure();

  console.log(`list_executions through REST, a page of 20, ${samples} calls each: median / p95 ms, with the search indexes vs without (baseline)`);
  for (const [name] of queries) {
    const [a, b] = [indexed.get(name)!, baseline.get(name)!];
    const fmt = (xs: number[]) => `${median(xs).toFixed(1)} / ${percentile(xs, 95).toFixed(1)}`;
    console.log(`  ${name.padEnd(30)} ${fmt(a).padStart(16)}   baseline ${fmt(b).padStart(16)}   ×${(median(b) / median(a)).toFixed(1)}`);
  }
} finally {
  await platform.shutdown();
}
