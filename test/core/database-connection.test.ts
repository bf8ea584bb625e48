/**
 * The platform's database handle when PostgreSQL drops a connection under it (a restart, a
 * failover, an operator's pg_terminate_backend). postgres.js 3.4.x used to throw an uncatchable
 * TypeError from a write it had scheduled on the closed socket (the ROLLBACK of the failed
 * transaction), ending the whole process (porsager/postgres#1208); patches/ fixes it.
 */
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isOutage } from '../../core/errors';
import { openDatabase, type DatabaseHandle } from '../../db/client';
import { createDatabase } from '../support/platform';

let url: string;
let handle: DatabaseHandle;
let killer: postgres.Sql;

beforeAll(async () => {
  url = await createDatabase();
  handle = await openDatabase({ url });
  killer = postgres(url, { max: 1, onnotice: () => {} });
});

afterAll(async () => {
  await handle?.close();
  await killer?.end();
});

it('a transaction whose connection is killed mid-query fails as an outage, the process lives on and the next query reconnects', async () => {
  let pid: number | undefined;
  const transaction = handle.db.transaction(async (tx) => {
    const rows = await tx.execute<{ pid: number }>(sql`select pg_backend_pid() as pid`);
    pid = (rows as { pid: number }[])[0]?.pid;
    await tx.execute(sql`select pg_sleep(5)`);
  });
  const failed = transaction.then(
    () => undefined,
    (error: unknown) => error,
  );
  while (pid === undefined) await new Promise((r) => setTimeout(r, 20));
  await killer`select pg_terminate_backend(${pid})`;

  expect(isOutage(await failed)).toBe(true);
  // the crash came from a setImmediate after the rejection: give it the turns it needed
  await new Promise((r) => setTimeout(r, 200));
  await handle.ping();
});
