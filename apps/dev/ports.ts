/**
 * What a second `npm run dev` on the same machine needs: ports that are free, and a data dir no
 * other dev process holds (PGlite and Temporal's SQLite file take one process each).
 */
import getPort from 'get-port';
import lockfile from 'proper-lockfile';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../../core/config';
import { logger } from '../../core/log';

/**
 * The port for a dev-mode listener. A port the user set must be free (else a clear error naming
 * the variable); the usual port is taken when free, otherwise any free port, said in the log.
 */
export async function devPort(variable: string, explicit: number | undefined, usual: number, what: string): Promise<number> {
  const wanted = explicit ?? usual;
  const port = await getPort({ port: wanted });
  if (port === wanted || wanted === 0) return port;
  if (explicit !== undefined) throw new ConfigError(`${variable}=${wanted}: port ${wanted} is in use (another BlobHub?); set ${variable} to a free port`);
  logger.info(`port ${usual} is in use; ${what} on ${port} instead (set ${variable} to choose)`);
  return port;
}

/** Start-up problems the user can fix (a taken port, a held data dir) end the process with a message, not a stack. */
export async function orExplain<T>(step: Promise<T>): Promise<T> {
  try {
    return await step;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    logger.fatal(error.message);
    process.exit(1);
  }
}

/** Holds the data dir for this process until it exits; a second holder gets a clear error. */
export async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  mkdirSync(dataDir, { recursive: true });
  try {
    return await lockfile.lock(dataDir, { lockfilePath: path.join(dataDir, 'dev.lock'), stale: 15_000, update: 5_000 });
  } catch (error) {
    if ((error as { code?: string }).code !== 'ELOCKED') throw error;
    throw new ConfigError(`data dir ${dataDir} is in use by another BlobHub dev process; stop it, or set BLOBHUB_DATA_DIR to another folder`);
  }
}
