/**
 * Embedded mode (`npm run dev`): PGlite in the data dir, the Temporal dev server as a child
 * (unless BLOBHUB_TEMPORAL_ADDRESS is set), the API, the worker and the web app in one process.
 */
import { clientHomeOf, clientProfileHelp, writeClientProfile } from './client-profile';
import { loadConfig } from '../../core/config';
import { announceAdmin, bootPlatform } from '../platform';
import { apiExtensions } from '../api/extensions';
import { startApiServer } from '../api/server';
import { startWorker } from '../worker/worker';
import { devPort, lockDataDir, orExplain } from './ports';
import { startTemporalDevServer } from './temporal';
import { logger } from '../../core/log';

const config = await orExplain(devConfig());
const releaseDataDir = await orExplain(lockDataDir(config.dataDir));
const uiPort = config.BLOBHUB_TEMPORAL_ADDRESS
  ? undefined
  : await orExplain(devPort('BLOBHUB_TEMPORAL_UI_PORT', config.BLOBHUB_TEMPORAL_UI_PORT, 8233, 'the Temporal UI'));

const temporalServer = config.BLOBHUB_TEMPORAL_ADDRESS ? undefined : await startTemporalDevServer({ dataDir: config.dataDir, uiPort });
if (temporalServer) logger.info(`Temporal dev server on ${temporalServer.address}, UI at ${temporalServer.uiUrl}`);

const apiUrl = config.BLOBHUB_PUBLIC_URL ?? `http://localhost:${config.BLOBHUB_HTTP_PORT}`;
const app = await bootPlatform(config, {
  temporal: temporalServer,
  onAdminCreated: (admin) => {
    // A profile the published clients (blobhub SDK and CLI) read, under a home dir of its own.
    const home = clientHomeOf(config.dataDir);
    const profile = { name: 'local', key: admin.apiKey, url: `${apiUrl}/v1` };
    announceAdmin(admin, writeClientProfile(home, profile));
    for (const line of clientProfileHelp(home, profile)) console.log(`[blobhub] ${line}`);
  },
});
const worker = await startWorker(app);
const api = await startApiServer(app, { port: config.BLOBHUB_HTTP_PORT, host: config.BLOBHUB_HTTP_HOST, extensions: await apiExtensions(app) });
logger.info(`ready: API ${apiUrl}/v1 · docs ${apiUrl}/docs · data in ${config.dataDir}`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  logger.info('stopping…');
  await api.close();
  await worker.stop();
  await app.close();
  await temporalServer?.stop();
  await releaseDataDir();
  process.exit(0);
}
/** The config with a free HTTP port: the usual 8080 may be held by another BlobHub. */
async function devConfig() {
  const config = loadConfig();
  const explicit = process.env.BLOBHUB_HTTP_PORT ? config.BLOBHUB_HTTP_PORT : undefined;
  return { ...config, BLOBHUB_HTTP_PORT: await devPort('BLOBHUB_HTTP_PORT', explicit, 8080, 'the API') };
}

process.on('SIGINT', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
