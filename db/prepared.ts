import type { Db } from './client';

/**
 * A hot query as a drizzle prepared statement, built once per database handle (a transaction gets
 * its own, which runs on its connection) and then run with its placeholders filled in: building a
 * query in drizzle costs more CPU than PostgreSQL spends answering a lookup by key.
 */
export function preparedPerDb<Prepared>(build: (db: Db) => Prepared): (db: Db) => Prepared {
  const built = new WeakMap<Db, Prepared>();
  return (db) => {
    let prepared = built.get(db);
    if (!prepared) {
      prepared = build(db);
      built.set(db, prepared);
    }
    return prepared;
  };
}
