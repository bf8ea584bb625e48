/**
 * The event writer of the realtime benchmark, a process of its own as the worker is: recordEvent
 * (durable insert + NOTIFY) on its own database pool. Driven over IPC by run.ts:
 *   {emit: {databaseUrl, targets, rate, seconds}} → {done: {total, achievedRate, commits}}
 * `commits` maps each event id to its commit time, taken as recordEvent returns (NOTIFY is sent at commit).
 */
import { recordEvent, type EventInput } from '../../core/events';
import { openDatabase, type DatabaseHandle } from '../../db/client';

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

async function answer(message: { emit?: Emit; stop?: true }) {
  if (message.emit) process.send!({ done: await emitAtRate(message.emit) });
  if (message.stop) {
    await database?.close();
    process.exit(0);
  }
}
process.on('message', (message: { emit?: Emit; stop?: true }) => void answer(message));
