/**
 * Embedded mode (`npm run dev`): PGlite in the data dir, the Temporal dev server as a child
 * (unless BLOBHUB_TEMPORAL_ADDRESS is set), the API, the worker and the web app in one process.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../core/config';
import { announceAdmin, bootPlatform } from '../../core/platform';
import { apiExtensions } from '../api/extensions';
import { startApiServer } from '../api/server';
import { startWorker } from '../worker/worker';
import { startTemporalDevServer } from './temporal';

const config = loadConfig();
mkdirSync(config.dataDir, { recursive: true });

const temporalServer = config.BLOBHUB_TEMPORAL_ADDRESS
  ? undefined
  : await startTemporalDevServer({ dataDir: config.dataDir, uiPort: config.BLOBHUB_TEMPORAL_UI_PORT });
if (temporalServer) console.log(`[blobhub] Temporal dev server on ${temporalServer.address}, UI at ${temporalServer.uiUrl}`);

const apiUrl = config.BLOBHUB_PUBLIC_URL ?? `http://localhost:${config.BLOBHUB_HTTP_PORT}`;
const app = await bootPlatform(config, {
  temporalAddress: temporalServer?.address,
  onAdminCreated: (admin) => {
    // Where the CLI and the Python SDK look for a profile.
    const file = path.join(config.dataDir, 'credentials.yaml');
    writeFileSync(file, `default:\n  api_url: ${apiUrl}\n  api_key: ${admin.apiKey}\n`, { mode: 0o600 });
    announceAdmin(admin, file);
  },
});
const worker = await startWorker(app);
const api = await startApiServer(app, { port: config.BLOBHUB_HTTP_PORT, host: config.BLOBHUB_HTTP_HOST, extensions: await apiExtensions(app) });
console.log(`[blobhub] ready: API ${apiUrl}/v1 · docs ${apiUrl}/docs · data in ${config.dataDir}`);

let stopping = false;
async function shutdown() {
  if (stopping) return;
  stopping = true;
  console.log('[blobhub] stopping…');
  await api.close();
  await worker.stop();
  await app.close();
  await temporalServer?.stop();
  process.exit(0);
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
