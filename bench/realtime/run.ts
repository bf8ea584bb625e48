/**
 * Realtime benchmark (not a test): one PostgreSQL, one Temporal dev server, one API process, an
 * emitter process writing events as the worker does (emitter.ts: recordEvent = durable insert +
 * NOTIFY), and a
 * subscriber process holding 1 or 1,000 WebSocket clients. For each step we emit at
 * a fixed rate for a few seconds, at most 100 events/s per session (one session's seq is allocated
 * under its row lock, which caps a single session's write rate; every client subscribes to all the
 * step's sessions, so each client receives every event), and measure latency from the event's commit (taken as
 * recordEvent returns; its NOTIFY is delivered at commit) to its arrival at each client. For comparison, a client polls the REST
 * list_execution_events command once a second (the way the Temporal UI polls history) and we
 * measure the same latency for it.
 *
 *   npm run bench:realtime                      # rates 100,1000 × subscribers 1,1000, 5 s each
 *   BENCH_RATES=100 BENCH_SUBSCRIBERS=1000 BENCH_SECONDS=10 npm run bench:realtime
 */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId } from '../../core/ids';
import { executions } from '../../db/schema';
import { startBenchPlatform } from '../support/platform';
import { percentile } from '../support/stats';

const list = (value: string | undefined, fallback: number[]) => (value ? value.split(',').map(Number) : fallback);
const rates = list(process.env.BENCH_RATES, [100, 1000]);
const subscriberCounts = list(process.env.BENCH_SUBSCRIBERS, [1, 1000]);
const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const ENGINE = 'workflow_blobhub';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const platform = await startBenchPlatform({ worker: false });
const { app, admin: client, adminKey } = platform;

const here = path.dirname(fileURLToPath(import.meta.url));
const startChild = (script: string): ChildProcess => fork(path.join(here, script), [], { execArgv: ['--import', 'tsx'] });

function ask<T>(child: ChildProcess, message: object, answerKey: string): Promise<T> {
  return new Promise((resolve) => {
    const onMessage = (m: Record<string, T>) => {
      const answer = m[answerKey];
      if (answer === undefined) return;
      child.off('message', onMessage);
      resolve(answer);
    };
    child.on('message', onMessage);
    child.send(message);
  });
}

interface EmitTarget {
  orgId: string;
  blobId: string;
  revisionId: string;
  sessionId: string;
  executionId: string;
}

/** A client polling list_execution_events once a second; notes when it first saw each event. */
function startPolling(revisionId: string, executionId: string) {
  const seenAt: [string, number][] = [];
  let after = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const tick = Date.now();
      for (;;) {
        const res = await client.data(revisionId, ENGINE, 'list_execution_events', { execution_id: executionId, after, limit: 1000 });
        const seen = Date.now();
        for (const e of res.body.events) {
          seenAt.push([e.id, seen]);
          after = e.seq;
        }
        if (!res.body.cursor) break;
      }
      await sleep(Math.max(0, 1000 - (Date.now() - tick)));
    }
  })();
  return {
    /** latencies seen − commit, after one more poll has picked up the tail */
    async stop(commits: Record<string, number>) {
      await sleep(1100);
      running = false;
      await loop;
      return seenAt.map(([id, seen]) => seen - (commits[id] ?? NaN)).sort((a, b) => a - b);
    },
  };
}

/** Waits for the subscribers to receive everything, or to stop making progress for 5 s. */
async function allDelivered(child: ChildProcess, expected: number) {
  let last = -1;
  let stalledSince = Date.now();
  for (;;) {
    const count = await ask<number>(child, { count: true }, 'count');
    if (count >= expected || Date.now() - stalledSince > 5000) return;
    if (count > last) [last, stalledSince] = [count, Date.now()];
    await sleep(250);
  }
}

const rows: string[] = [];
try {
  const org = (await client.post('/orgs', { name: 'bench' })).body.org;
  const blob = (await client.post('/orgs/bench/blobs', { name: 'flows', type: 'workflow', visibility: 'private' })).body;
  const revisionId = blob.revision.id;
  for (const subscribers of subscriberCounts) {
    for (const rate of rates) {
      const targets: EmitTarget[] = [];
      for (let i = 0; i < Math.ceil(rate / 100); i++) {
        const sessionId = (await client.data(revisionId, ENGINE, 'create_session', { name: `bench-${subscribers}-${rate}-${i}` })).body.session.id;
        // an execution row the events belong to, so list_execution_events can serve the poller
        const executionId = newId('execution');
        await app.db
          .insert(executions)
          .values({ id: executionId, sessionId, revisionId, definitionId: newId('definition'), alias: 'bench', definitionHash: 'bench', status: 'running' });
        targets.push({ orgId: org.id, blobId: blob.blob.id, revisionId, sessionId, executionId });
      }
      const child = startChild('subscribers.ts');
      const emitter = startChild('emitter.ts');
      const subscriptions = targets.map((t) => ({ scope: 'revision', scope_id: revisionId, target: 'session', target_id: t.sessionId }));
      await ask(child, { connect: { url: `${platform.url.replace('http', 'ws')}/v1/realtime`, key: adminKey, subscriptions, count: subscribers } }, 'ready');
      await sleep(1000);
      const [pollTarget] = targets;
      if (!pollTarget) throw new Error('no session to poll');
      const poller = startPolling(revisionId, pollTarget.executionId);
      const { total, achievedRate, commits } = await ask<{ total: number; achievedRate: number; commits: Record<string, number> }>(
        emitter,
        { emit: { databaseUrl: platform.postgres.url, targets, rate, seconds } },
        'done',
      );
      const polled = await poller.stop(commits);
      await allDelivered(child, total * subscribers);
      const report = await ask<{ received: number; p50: number; p99: number; max: number; closedEarly: number }>(child, { report: { commits } }, 'report');
      for (const c of [child, emitter]) c.send({ stop: true });
      const row =
        `| ${rate}/s (achieved ${achievedRate.toFixed(0)}/s, ${targets.length} sessions) | ${subscribers} | ${report.received}/${total * subscribers} | ` +
        `${report.p50} | ${report.p99} | ${report.max} | ${percentile(polled, 50)} | ${percentile(polled, 99)} |` +
        (report.closedEarly ? ` ${report.closedEarly} clients closed early` : '');
      rows.push(row);
      console.log(row);
    }
  }
  console.log('\n| rate | subscribers | delivered | push p50 ms | push p99 ms | push max ms | poll 1/s p50 ms | poll 1/s p99 ms |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
} finally {
  await platform.shutdown();
}
