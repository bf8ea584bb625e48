/**
 * The event writer of the realtime benchmark, a process of its own as the worker is: recordEvent
 * (durable insert + NOTIFY) on its own database pool. Driven over IPC by run.ts:
 *   {emit: {databaseUrl, targets, rate, seconds}} → {done: {total, achievedRate, commits}}
 *   {capacity: {databaseUrl, target, seconds, how, batch}} → {capacity: events/s one session took}
 * `commits` maps each event id to its commit time, taken as recordEvent returns (NOTIFY is sent at commit).
 */
import { sql } from 'drizzle-orm';
import { EVENTS_CHANNEL, notificationPayloads, recordEvent, recordSessionEvents, type EventInput, type EventRow } from '../../core/events';
import { newId } from '../../core/ids';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { events } from '../../db/schema';

interface Emit {
  databaseUrl: string;
  targets: EventInput[];
  rate: number;
  seconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let database: DatabaseHandle | undefined;

/**
 * `rate` events/s for `seconds`, round-robin over the targets, in 10 ms ticks, with one write in
 * flight per session (as an execution records its events) and at most 8.
 */
async function emitAtRate({ databaseUrl, targets, rate, seconds }: Emit) {
  database ??= await openDatabase({ url: databaseUrl });
  const { db } = database;
  const commits: Record<string, number> = {};
  const total = rate * seconds;
  const started = Date.now();
  let sent = 0;
  const pending = new Set<Promise<unknown>>();
  const maxInFlight = Math.min(targets.length, 8);
  while (sent < total) {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * rate));
    while (sent < due && pending.size < maxInFlight) {
      const target = targets[sent++ % targets.length];
      const write: Promise<unknown> = recordEvent(db, { ...target, type: 'processor.output', message: `event ${sent}` })
        .then((row) => (commits[row.id] = Date.now()))
        .finally(() => pending.delete(write));
      pending.add(write);
    }
    await sleep(10);
  }
  await Promise.all(pending);
  return { total, achievedRate: total / ((Date.now() - started) / 1000), commits };
}

interface Capacity {
  databaseUrl: string;
  target: EventInput & { sessionId: string };
  seconds: number;
  /** `platform`: recordEvent (batch 1) or recordSessionEvents; `bare`: the same rows inserted and notified by hand, no seq lock */
  how: 'platform' | 'bare';
  /** events per write, as a component records its events together */
  batch: number;
}

/** The events of one write: `batch` rows of the target's session. */
const rowsOf = (target: Capacity['target'], batch: number, seq: number): EventRow[] =>
  Array.from({ length: batch }, (_, i) => ({
    id: newId('event'),
    seq: seq + i,
    type: 'processor.output',
    orgId: target.orgId ?? null,
    blobId: target.blobId ?? null,
    revisionId: target.revisionId ?? null,
    sessionId: target.sessionId,
    executionId: target.executionId ?? null,
    message: 'capacity',
    attributes: null,
    data: null,
    dedupeKey: null,
    createdAt: Date.now(),
  }));

/** As many events as one session takes in `seconds`, one write after another (a session's events are written in order). */
async function sessionCapacity({ databaseUrl, target, seconds, how, batch }: Capacity) {
  database ??= await openDatabase({ url: databaseUrl });
  const { db } = database;
  const input = { ...target, type: 'processor.output', message: 'capacity' };
  let written = 0;
  let bareSeq = 1_000_000_000;
  const started = Date.now();
  while (Date.now() - started < seconds * 1000) {
    if (how === 'platform' && batch === 1) await recordEvent(db, input);
    else if (how === 'platform')
      await recordSessionEvents(
        db,
        target.sessionId,
        Array.from({ length: batch }, () => input),
      );
    else {
      const rows = rowsOf(target, batch, bareSeq);
      bareSeq += batch;
      await db.transaction(async (tx) => {
        await tx.insert(events).values(rows);
        for (const payload of notificationPayloads(rows)) await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, ${payload})`);
      });
    }
    written += batch;
  }
  return written / ((Date.now() - started) / 1000);
}

async function answer(message: { emit?: Emit; capacity?: Capacity; stop?: true }) {
  if (message.emit) process.send!({ done: await emitAtRate(message.emit) });
  if (message.capacity) process.send!({ capacity: await sessionCapacity(message.capacity) });
  if (message.stop) {
    await database?.close();
    process.exit(0);
  }
}
process.on('message', (message: { emit?: Emit; capacity?: Capacity; stop?: true }) => void answer(message));
