import type { ServerResponse } from 'node:http';
import type { App } from '../../core/app';
import { capacityStatus } from '../../core/metrics';
import { sendError, sendJson } from './responses';

/**
 * `/readyz`. Ready = the database and Temporal answer and no capacity of this process (the sandbox
 * pool of an in-process worker) is saturated, i.e. new work would not wait for a thread.
 */
export async function readiness(app: App, res: ServerResponse) {
  const checks = await Promise.allSettled([app.database.ping(), app.temporal.connection.healthService.check({})]);
  const [database, temporal] = checks.map((c) => (c.status === 'fulfilled' ? 'ok' : String((c.reason as Error)?.message ?? c.reason)));
  const { saturated, capacity } = capacityStatus();
  const ready = database === 'ok' && temporal === 'ok' && !saturated;
  if (ready) return sendJson(res, 200, { status: 'ready', database, temporal, ...capacity });
  sendError(res, 503, { code: 'unavailable', message: saturated ? 'saturated' : 'not ready', details: { database, temporal, ...capacity } });
}
