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
 * measure the same latency for it. The baseline of each step, in the same run: a bare `ws` server
 * (bare-server.ts) broadcasting the same frames of the same kind of writes to the same number of
 * clients. Last, how many events one session takes (written one after another, one and ten per
 * write) against the same rows inserted and notified by hand.
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
import { loadAverage } from '../support/services';
import { percentile } from '../support/stats';
import { startBareRealtimeServer } from './bare-server';

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

interface Report {
  received: number;
  p50: number;
  p99: number;
  max: number;
  closedEarly: number;
}

/**
 * One side of a step: `subscribers` clients on `url`, each subscribed to every target's session,
 * while the emitter writes `rate` events/s into them; with `poll`, a REST poller follows the first.
 */
async function measureSide(url: string, targets: EmitTarget[], subscribers: number, rate: number, poll: boolean) {
  const child = startChild('subscribers.ts');
  const emitter = startChild('emitter.ts');
  const subscriptions = targets.map((t) => ({ scope: 'revision', scope_id: t.revisionId, target: 'session', target_id: t.sessionId }));
  await ask(child, { connect: { url, key: adminKey, subscriptions, count: subscribers } }, 'ready');
  await sleep(1000);
  const poller = poll ? startPolling(targets[0]!.revisionId, targets[0]!.executionId) : undefined;
  const { total, achievedRate, commits } = await ask<{ total: number; achievedRate: number; commits: Record<string, number> }>(
    emitter,
    { emit: { databaseUrl: platform.postgres.url, targets, rate, seconds } },
    'done',
  );
  const polled = (await poller?.stop(commits)) ?? [];
  await allDelivered(child, total * subscribers);
  const report = await ask<Report>(child, { report: { commits } }, 'report');
  for (const c of [child, emitter]) c.send({ stop: true });
  return { total, achievedRate, report, polled };
}

/** Sessions (at most 100 events/s each) with an execution row each, so list_execution_events can serve the poller. */
async function newTargets(org: { id: string }, blob: { blob: { id: string }; revision: { id: string } }, label: string, count: number) {
  const revisionId = blob.revision.id;
  const targets: EmitTarget[] = [];
  for (let i = 0; i < count; i++) {
    const sessionId = (await client.data(revisionId, ENGINE, 'create_session', { name: `bench-${label}-${i}` })).body.session.id;
    const executionId = newId('execution');
    await app.db
      .insert(executions)
      .values({ id: executionId, sessionId, revisionId, definitionId: newId('definition'), alias: 'bench', definitionHash: 'bench', status: 'running' });
    targets.push({ orgId: org.id, blobId: blob.blob.id, revisionId, sessionId, executionId });
  }
  return targets;
}

const rows: string[] = [];
const ms = (n: number) => String(Math.round(n));
try {
  console.log(`load average at start: ${loadAverage()}`);
  const org = (await client.post('/orgs', { name: 'bench' })).body.org;
  const blob = (await client.post('/orgs/bench/blobs', { name: 'flows', type: 'workflow', visibility: 'private' })).body;
  for (const subscribers of subscriberCounts) {
    for (const rate of rates) {
      const sessions = Math.ceil(rate / 100);
      const wsUrl = `${platform.url.replace('http', 'ws')}/v1/realtime`;
      const pushed = await measureSide(wsUrl, await newTargets(org, blob, `${subscribers}-${rate}`, sessions), subscribers, rate, true);
      // the baseline in the same step: a bare ws server broadcasting the same frames of the same kind of writes
      const bareTargets = await newTargets(org, blob, `bare-${subscribers}-${rate}`, sessions);
      const bare = await startBareRealtimeServer(platform.postgres.url, {
        scope: 'revision',
        scope_id: bareTargets[0]!.revisionId,
        target: 'session',
        target_id: bareTargets[0]!.sessionId,
      });
      const baseline = await measureSide(bare.url, bareTargets, subscribers, rate, false);
      await bare.close();
      const { report } = pushed;
      const row =
        `| ${rate}/s (achieved ${pushed.achievedRate.toFixed(0)}/s, ${sessions} sessions) | ${subscribers} | ${report.received}/${pushed.total * subscribers} | ` +
        `${ms(report.p50)} / ${ms(report.p99)} / ${ms(report.max)} | ${ms(baseline.report.p50)} / ${ms(baseline.report.p99)} / ${ms(baseline.report.max)} ` +
        `(${baseline.report.received}/${baseline.total * subscribers}, achieved ${baseline.achievedRate.toFixed(0)}/s) | ${(report.p99 / baseline.report.p99).toFixed(2)} | ` +
        `${percentile(pushed.polled, 50)} / ${percentile(pushed.polled, 99)} | ${loadAverage()} |` +
        (report.closedEarly ? ` ${report.closedEarly} clients closed early` : '');
      rows.push(row);
      console.log(row);
    }
  }
  console.log('\n| rate | subscribers | delivered | push p50 / p99 / max ms | bare ws p50 / p99 / max ms | p99 ÷ bare p99 | poll 1/s p50 / p99 ms | load |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);

  // how many events one session takes, written one after another: one at a time and ten per write (one component's events)
  const emitter = startChild('emitter.ts');
  console.log('\n| events per write | BlobHub events/s (one session) | bare INSERT + NOTIFY events/s | ratio | load |');
  console.log('|---|---|---|---|---|');
  for (const batch of [1, 10]) {
    const [platformTarget, bareTarget] = await newTargets(org, blob, `capacity-${batch}`, 2);
    const capacity = (how: 'platform' | 'bare', target: EmitTarget) =>
      ask<number>(emitter, { capacity: { databaseUrl: platform.postgres.url, target, seconds, how, batch } }, 'capacity');
    const taken = await capacity('platform', platformTarget!);
    const bare = await capacity('bare', bareTarget!);
    console.log(`| ${batch} | ${taken.toFixed(0)} | ${bare.toFixed(0)} | ${(taken / bare).toFixed(2)} | ${loadAverage()} |`);
  }
  emitter.send({ stop: true });
} finally {
  await platform.shutdown();
}
