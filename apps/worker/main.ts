/** A standalone worker process: `npm run worker`. Several may share one task queue. */
import { loadConfig } from '../../core/config';
import { bootPlatform } from '../platform';
import { startWorkerHealthServer } from './health-server';
import { startWorker } from './worker';
import { logger } from '../../core/log';

const app = await bootPlatform(loadConfig());
const worker = await startWorker(app);
logger.info(`worker polling task queue ${app.temporal.taskQueue}`);
const port = app.config.BLOBHUB_WORKER_HTTP_PORT;
const health = port ? await startWorkerHealthServer(port, app.config.BLOBHUB_HTTP_HOST) : undefined;
app.onClose(() => void health?.close());
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void worker.stop());
await worker.done;
await app.close();
