/**
 * Thread-post benchmark (not a test): with 1 and with 50 live executions of a session waiting on
 * a thread, the time from one post_session_thread_item (REST) until every waiting execution has
 * received the item and ended, against signalling the same executions one after another (what a
 * post did before) until every one of them has ended, in the same run. Both sides deliver the
 * same signal to the same number of executions and wait for the same ends; the post also stores
 * the item and goes through REST, which the baseline skips. Each side gets its own executions,
 * measured once all of them wait.
 *
 *   npm run bench:updates          # BENCH_RUNS=3 repetitions, median reported
 */
import { comp, data, definition, flow } from '../../test/support/workflow-builders';
import { executionSignal, threadSignalName } from '../../engines/workflow/temporal/signals';
import { startBenchPlatform } from '../support/platform';
import { median } from '../support/stats';

const runs = Number(process.env.BENCH_RUNS ?? 3);
const ENGINE = 'workflow_blobhub';

const platform = await startBenchPlatform();
const { app, admin: client } = platform;

async function command(revisionId: string, name: string, body: Record<string, unknown>) {
  const res = await client.data(revisionId, ENGINE, name, body);
  if (res.status !== 200) throw new Error(`${name}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** A session with a thread `inbox` and `count` executions waiting on it. */
async function waiters(revisionId: string, count: number) {
  const session = (await command(revisionId, 'create_session', {})).session;
  await command(revisionId, 'upload_session_object', {
    session_id: session.id,
    alias: 'inbox',
    value: { type: 'thread', thread: { attributes: {}, metadata: {} } },
  });
  const started = await Promise.all(Array.from({ length: count }, () => command(revisionId, 'create_execution', { alias: 'reader', session_id: session.id })));
  const ids = started.map((s) => s.execution.id as string);
  // measured once every execution waits, so that the delivery does not compete with their starts
  for (const id of ids) await untilWaiting(revisionId, id);
  return { sessionId: session.id as string, ids };
}

async function untilWaiting(revisionId: string, executionId: string) {
  for (;;) {
    const { events } = await command(revisionId, 'list_execution_events', { execution_id: executionId, limit: 1000 });
    if (events.some((e: { type: string; attributes?: { processor_id?: string } }) => e.type === 'processor.entered' && e.attributes?.processor_id === 'w'))
      return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  await work();
  return performance.now() - startedAt;
}

const finished = (ids: string[]) => Promise.all(ids.map((id) => app.temporal.client.workflow.getHandle(id).result()));

/** One post_session_thread_item to `count` waiting executions, until all of them have ended. */
async function timePost(revisionId: string, count: number) {
  const { sessionId, ids } = await waiters(revisionId, count);
  return timed(async () => {
    await command(revisionId, 'post_session_thread_item', { session_id: sessionId, alias: 'inbox', content: [{ type: 'text', text: 'hi' }] });
    await finished(ids);
  });
}

/** The former delivery: one signal after another to `count` waiting executions, until all of them have ended. */
async function timeSequentialSignals(revisionId: string, count: number) {
  const { ids } = await waiters(revisionId, count);
  const signal = { name: threadSignalName('inbox'), payload: { alias: 'inbox', item_id: 'baseline', item: null } };
  return timed(async () => {
    for (const id of ids) await app.temporal.client.workflow.getHandle(id).signal(executionSignal, signal);
    await finished(ids);
  });
}

try {
  await client.post('/orgs', { name: 'bench' });
  const revisionId = (await client.post('/orgs/bench/blobs', { name: 'threads', type: 'workflow', visibility: 'private' })).body.revision.id;
  await command(revisionId, 'upload_definition', {
    alias: 'reader',
    definition: definition(
      [comp('s', 'flow.start'), comp('w', 'flow.wait', { thread_alias: 'inbox', timeout_seconds: 600 }), comp('e', 'flow.end')],
      [flow('s', 'w'), flow('w', 'e'), data('w', 'payload', 'e', 'item')],
    ),
  });

  console.log(`| live executions waiting | one thread post → all ended (median of ${runs}) | one signal after another → all ended | ratio |`);
  console.log('|---|---|---|---|');
  for (const count of [1, 50]) {
    const posts: number[] = [];
    const sequential: number[] = [];
    for (let i = 0; i < runs; i++) {
      posts.push(await timePost(revisionId, count));
      sequential.push(await timeSequentialSignals(revisionId, count));
    }
    const [post, baseline] = [median(posts), median(sequential)];
    console.log(`| ${count} | ${post.toFixed(0)} ms | ${baseline.toFixed(0)} ms | ${(post / baseline).toFixed(2)} |`);
  }
} finally {
  await platform.shutdown();
}
