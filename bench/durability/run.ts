/**
 * Durability benchmark (not a test): what continue-as-new costs and how long long histories take to
 * replay, on the real stack.
 *
 *  1. one loop of BENCH_ITERATIONS (10,000) iterations (logic.code counter + flow.branch) where runs
 *     continue as new (the default BLOBHUB_WORKFLOW_HISTORY_EVENTS), against the same definition on a platform where one
 *     run never continues (BlobHub's limit at 50,000 events, Temporal's suggestion raised): time
 *     per 10,000 iterations, runs in the chain, the largest history;
 *  2. the replay time (Worker.runReplayHistory against the worker's workflow bundle) of that single
 *     long history and of the longest run of the chain;
 *  3. with continue-as-new: a BENCH_LONG_ITERATIONS (100,000) loop and a session on flow.wait that
 *     handles BENCH_MESSAGES (10,000) items posted to its thread over REST.
 *
 *   npm run bench:durability
 *   BENCH_ITERATIONS=2000 BENCH_LONG_ITERATIONS=0 BENCH_MESSAGES=500 npm run bench:durability
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { temporal } from '@temporalio/proto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { comp, countingLoop, data, definition, flow } from '../../test/support/workflow-builders';
import { startBenchPlatform, type BenchPlatform } from '../support/platform';

const ENGINE = 'workflow_blobhub';
const iterations = Number(process.env.BENCH_ITERATIONS ?? 10_000);
const longIterations = Number(process.env.BENCH_LONG_ITERATIONS ?? 100_000);
const messages = Number(process.env.BENCH_MESSAGES ?? 10_000);
const here = path.dirname(fileURLToPath(import.meta.url));
const workflowBundle = await bundleWorkflowCode({ workflowsPath: path.resolve(here, '../../workflows/index.ts'), logger: quietLogger() });

type History = temporal.api.history.v1.IHistory;

function quietLogger() {
  const none = () => undefined;
  return { log: none, trace: none, debug: none, info: none, warn: none, error: none };
}

async function newRevision(p: BenchPlatform) {
  await p.admin.post('/orgs', { name: 'bench' });
  return (await p.admin.post('/orgs/bench/blobs', { name: 'long', type: 'workflow', visibility: 'private' })).body.revision.id as string;
}

/** Every run of an execution, first to last, following the continue-as-new chain. */
async function runHistories(p: BenchPlatform, executionId: string, firstRunId: string): Promise<History[]> {
  // a run that never continues has a history of several MiB: more than a default gRPC client accepts in one page
  const connection = await Connection.connect({ address: p.temporalAddress, channelArgs: { 'grpc.max_receive_message_length': 256 << 20 } });
  const client = new Client({ connection, namespace: p.app.temporal.namespace });
  const histories: History[] = [];
  for (let runId: string | null | undefined = firstRunId; runId;) {
    const history = await client.workflow.getHandle(executionId, runId).fetchHistory();
    histories.push(history);
    runId = history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId;
  }
  await connection.close();
  return histories;
}

/** Creates an execution, lets `drive` act on it, waits for the end; the wall time and its runs. */
async function timed(p: BenchPlatform, revisionId: string, body: Record<string, unknown>, drive: (id: string) => Promise<void> = async () => undefined) {
  const startedAt = performance.now();
  const created = await p.admin.data(revisionId, ENGINE, 'create_execution', body);
  if (created.status !== 200) throw new Error(JSON.stringify(created.body));
  const { id, temporal: wire } = created.body.execution;
  await drive(id);
  await p.app.temporal.client.workflow.getHandle(id).result();
  const seconds = (performance.now() - startedAt) / 1000;
  const done = (await p.admin.data(revisionId, ENGINE, 'get_execution', { execution_id: id })).body.execution;
  if (done.status !== 'completed') throw new Error(`execution ${id} ended ${done.status}: ${JSON.stringify(done.error)}`);
  const histories = await runHistories(p, id, wire.run_id);
  return { seconds, histories, longest: Math.max(...histories.map((h) => h.events?.length ?? 0)) };
}

async function replaySeconds(history: History): Promise<number> {
  const startedAt = performance.now();
  await Worker.runReplayHistory({ workflowBundle, replayName: 'bench' }, history);
  return (performance.now() - startedAt) / 1000;
}

/** start → wait on thread `inbox` → count → back to the wait until `total` items were read → end with the count and the last text */
function threadCounter(total: number) {
  const code =
    "const n = (get_data_input('n')?.integer ?? 0) + 1; set_data_output('n', create_value('integer', n));" +
    " set_data_output('last', create_value('text', get_data_input('payload').json.item.content[0].text));" +
    ` set_result(n < ${total} ? 'more' : 'done');`;
  return definition(
    [comp('s', 'flow.start'), comp('w', 'flow.wait', { thread_alias: 'inbox' }), comp('read', 'logic.code', { code }), comp('e', 'flow.end')],
    [
      flow('s', 'w'),
      flow('w', 'read'),
      flow('read', 'w', 'more'),
      flow('read', 'e', 'done'),
      data('w', 'payload', 'read'),
      data('read', 'n', 'read'),
      data('read', 'n', 'e'),
      data('read', 'last', 'e'),
    ],
  );
}

/** Posts `total` items to the session's thread `inbox` over REST, `parallel` at a time. */
async function postMessages(p: BenchPlatform, revisionId: string, sessionId: string, total: number, parallel = 8) {
  let next = 0;
  const poster = async () => {
    for (let i = next++; i < total; i = next++) {
      const res = await p.admin.data(revisionId, ENGINE, 'post_session_thread_item', {
        session_id: sessionId,
        alias: 'inbox',
        content: [{ type: 'text', text: `message ${i}` }],
      });
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    }
  };
  await Promise.all(Array.from({ length: parallel }, poster));
}

const per10k = (seconds: number, n: number) => `${((seconds * 10_000) / n).toFixed(1)} s`;
const rows: string[] = ['| case | time | per 10,000 iterations | runs | largest history (events) | replay |', '|---|---|---|---|---|---|'];

// one run that never continues: BlobHub's limit above the loop's history, Temporal's suggestion too
const single = await startBenchPlatform({
  env: { BLOBHUB_WORKFLOW_HISTORY_EVENTS: '50000' },
  temporalDynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 1_000_000, 'limit.historySize.suggestContinueAsNew': 1 << 30 },
});
try {
  const rev = await newRevision(single);
  await single.admin.data(rev, ENGINE, 'upload_definition', { alias: 'loop', definition: countingLoop(iterations) });
  const r = await timed(single, rev, { alias: 'loop' });
  const [history] = r.histories;
  if (!history) throw new Error('the run left no history to replay');
  const replay = await replaySeconds(history);
  rows.push(
    `| ${iterations} iterations, one run | ${r.seconds.toFixed(1)} s | ${per10k(r.seconds, iterations)} | ${r.histories.length} | ${r.longest} | ${replay.toFixed(2)} s |`,
  );
} finally {
  await single.shutdown();
}

const chained = await startBenchPlatform();
try {
  const rev = await newRevision(chained);
  await chained.admin.data(rev, ENGINE, 'upload_definition', { alias: 'loop', definition: countingLoop(iterations) });
  const r = await timed(chained, rev, { alias: 'loop' });
  const longestRun = r.histories.reduce((a, b) => ((b.events?.length ?? 0) > (a.events?.length ?? 0) ? b : a));
  const replay = await replaySeconds(longestRun);
  rows.push(
    `| ${iterations} iterations, continue-as-new | ${r.seconds.toFixed(1)} s | ${per10k(r.seconds, iterations)} | ${r.histories.length} | ${r.longest} | ${replay.toFixed(2)} s (longest run) |`,
  );

  if (longIterations > 0) {
    await chained.admin.data(rev, ENGINE, 'upload_definition', { alias: 'long', definition: countingLoop(longIterations) });
    const long = await timed(chained, rev, { alias: 'long' });
    rows.push(
      `| ${longIterations} iterations, continue-as-new | ${long.seconds.toFixed(1)} s | ${per10k(long.seconds, longIterations)} | ${long.histories.length} | ${long.longest} | – |`,
    );
  }

  if (messages > 0) {
    await chained.admin.data(rev, ENGINE, 'upload_definition', { alias: 'chat', definition: threadCounter(messages) });
    const session = (await chained.admin.data(rev, ENGINE, 'create_session', {})).body.session;
    const envelope = { type: 'thread', thread: { attributes: { name: 'inbox' }, metadata: {} } };
    await chained.admin.data(rev, ENGINE, 'upload_session_object', { session_id: session.id, alias: 'inbox', value: envelope });
    const chat = await timed(chained, rev, { alias: 'chat', session_id: session.id }, () => postMessages(chained, rev, session.id, messages));
    rows.push(`| session: ${messages} thread messages on flow.wait | ${chat.seconds.toFixed(1)} s | – | ${chat.histories.length} | ${chat.longest} | – |`);
  }
} finally {
  await chained.shutdown();
}
console.log(rows.join('\n'));
