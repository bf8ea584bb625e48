/**
 * Execution limits benchmark (not a test): what the limit check costs create_execution. One
 * PostgreSQL, one Temporal dev server, one API process with its worker. A blob holds BENCH_LIVE
 * live executions (default 2,000, waiting on a signal: the live rows the checks look through) and
 * two aliases of one definition: `capped`, with limits set high enough never to bind (so every
 * creation locks the limit rows and counts), and `free`, without limits (the baseline in the same
 * run: the same creation, its limit lookup finding no rows). BENCH_SAMPLES creations of each,
 * interleaved, through REST.
 *
 *   npm run bench:limits
 */
import { startBenchPlatform } from '../support/platform';
import { median, percentile } from '../support/stats';
import { comp, definition, flow } from '../../test/support/workflow-builders';

const ENGINE = 'workflow_blobhub';
const liveCount = Number(process.env.BENCH_LIVE ?? 2_000);
const samples = Number(process.env.BENCH_SAMPLES ?? 200);

const platform = await startBenchPlatform();
const { admin } = platform;
try {
  await admin.post('/orgs', { name: 'bench' });
  const rev = (await admin.post('/orgs/bench/blobs', { name: 'flows', type: 'workflow', visibility: 'private' })).body.revision.id as string;
  const waits = definition([comp('s', 'flow.start'), comp('w', 'flow.wait', { signal: 'go' }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]);
  for (const alias of ['free', 'capped', 'held']) await admin.data(rev, ENGINE, 'upload_definition', { alias, definition: waits });
  const session = (await admin.data(rev, ENGINE, 'create_session', {})).body.session.id as string;
  const create = async (alias: string) => {
    const start = performance.now();
    const res = await admin.data(rev, ENGINE, 'create_execution', { alias, session_id: session });
    if (res.status !== 200) throw new Error(`${alias}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
    return performance.now() - start;
  };
  for (let i = 0; i < liveCount; i += 50) await Promise.all(Array.from({ length: Math.min(50, liveCount - i) }, () => create('held')));
  // the alias's limits only: a blob-wide one would apply to `free` too
  await admin.data(rev, ENGINE, 'set_execution_limits', { alias: 'capped', max_concurrent: 1_000_000, max_starts: 1_000_000, interval_seconds: 3600 });

  const times = { capped: [] as number[], free: [] as number[] };
  for (let i = 0; i < samples; i++) {
    times.capped.push(await create('capped'));
    times.free.push(await create('free'));
  }
  const fmt = (xs: number[]) =>
    `${median(xs).toFixed(1)} / ${percentile(
      [...xs].sort((a, b) => a - b),
      95,
    ).toFixed(1)}`;
  console.log(`create_execution through REST with ${liveCount} live executions in the blob, ${samples} calls each: median / p95 ms`);
  console.log(`  with limits (max_concurrent and max_starts counted)   ${fmt(times.capped).padStart(14)}`);
  console.log(`  without limits (baseline)                             ${fmt(times.free).padStart(14)}`);
} finally {
  await platform.shutdown();
}
