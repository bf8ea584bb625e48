/** The API server as its own process (compose, production): PostgreSQL and Temporal given by env. */
import { loadConfig } from '../../core/config';
import { announceAdmin, bootPlatform } from '../platform';
import { startWorker } from '../worker/worker';
import { startApiServer } from './server';
import { apiExtensions } from './extensions';
import { logger } from '../../core/log';

const config = loadConfig();
const app = await bootPlatform(config, {
  onAdminCreated: (admin) => announceAdmin(admin),
});
const worker = config.BLOBHUB_RUN_WORKER ? await startWorker(app) : undefined;
const api = await startApiServer(app, { port: config.BLOBHUB_HTTP_PORT, host: config.BLOBHUB_HTTP_HOST, extensions: await apiExtensions(app) });
logger.info(`API listening on ${api.url} (docs at /docs)`);

/** SIGTERM (a deploy, a scale-in): drains HTTP and WebSocket clients while an in-process worker finishes its running activities. */
async function shutdown() {
  await Promise.all([api.close(), worker?.stop()]);
  await app.close();
  process.exit(0);
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void shutdown());
