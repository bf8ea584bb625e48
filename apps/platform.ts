/** Builds the App for a process: database, Temporal, secrets, engines, first-start bootstrap. */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { openDatabase } from '../db/client';
import { users } from '../db/schema';
import { registerAllEngines } from '../engines';
import { insertApiKey } from '../core/api-keys';
import { createApp, type App } from '../core/app';
import { createBlobStore } from '../core/blobstore';
import type { Config } from '../core/config';
import { parseSecretKey, randomSecret } from '../core/crypto';
import { connectTemporal, type TemporalEndpoints } from '../core/temporal';
import { createSetupToken, SETUP_TOKEN_TTL_SECONDS, setupUrl } from '../core/setup';
import { createUser } from '../core/users';
import { configureLogging } from '../core/log';
import { startTracing } from '../core/tracing';
import { instrumentDrizzleClient } from '@kubiks/otel-drizzle';

export interface BootOptions {
  /** the dev server child's endpoints, where the config does not say */
  temporal?: TemporalEndpoints;
  publicUrl?: string;
  /**
   * Called with the generated admin credentials on first start; `setupUrl` (the one-time link
   * that sets the password) only when BLOBHUB_ADMIN_PASSWORD is not given.
   */
  onAdminCreated?: (admin: { email: string; apiKey: string; setupUrl?: string }) => void;
}

export type CreatedAdmin = Parameters<NonNullable<BootOptions['onAdminCreated']>>[0];

/**
 * Prints the first start's admin credentials, once; `keyFile` says where the key was also saved.
 * On the terminal only, not through the logger: log collectors must never receive a secret.
 */
export function announceAdmin(admin: CreatedAdmin, keyFile?: string) {
  console.log(`[blobhub] created instance admin ${admin.email}`);
  console.log(`[blobhub] admin API key (full rights; shown once${keyFile ? `, also saved to ${keyFile}` : ''}): ${admin.apiKey}`);
  const hours = SETUP_TOKEN_TTL_SECONDS / 3600;
  if (admin.setupUrl) console.log(`[blobhub] set the admin's password (one-time link, expires in ${hours} h): ${admin.setupUrl}`);
}

export async function bootPlatform(config: Config, opts: BootOptions = {}): Promise<App> {
  configureLogging(config);
  const tracing = startTracing(config);
  registerAllEngines();
  const database = await openDatabase({ url: config.BLOBHUB_DATABASE_URL, dataDir: config.dataDir });
  if (tracing) instrumentDrizzleClient(database.db, { dbSystem: database.kind === 'postgres' ? 'postgresql' : 'pglite' });
  const address = config.BLOBHUB_TEMPORAL_ADDRESS ?? opts.temporal?.address;
  if (!address) throw new Error('no Temporal address: set BLOBHUB_TEMPORAL_ADDRESS or start the dev server');
  const temporal = await connectTemporal(config, { ...opts.temporal, address });
  const secretKey = loadSecretKey(config);
  const publicUrl = (opts.publicUrl ?? config.BLOBHUB_PUBLIC_URL ?? `http://localhost:${config.BLOBHUB_HTTP_PORT}`).replace(/\/$/, '');
  const app = createApp({
    config,
    database,
    temporal,
    secretKey,
    publicUrl,
    blobStore: await createBlobStore(config, secretKey, publicUrl),
  });
  await bootstrapAdmin(app, opts.onAdminCreated);
  return app;
}

/** BLOBHUB_SECRET_KEY, or (embedded default) a key generated once and kept in the data dir. */
function loadSecretKey(config: Config): Buffer {
  if (config.BLOBHUB_SECRET_KEY) return parseSecretKey(config.BLOBHUB_SECRET_KEY);
  const file = path.join(config.dataDir, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('hex'), { mode: 0o600 });
  }
  return parseSecretKey(readFileSync(file, 'utf8').trim());
}

/**
 * On an empty database, creates the instance admin with a personal API key. Env vars make it
 * deterministic; otherwise the key is generated and handed to onAdminCreated to show once. A
 * generated password is never shown: the admin sets one through the one-time set-up link.
 */
async function bootstrapAdmin(app: App, onCreated?: BootOptions['onAdminCreated']) {
  const cfg = app.config;
  const [anyAdmin] = await app.db.select({ id: users.id }).from(users).where(eq(users.isInstanceAdmin, true)).limit(1);
  if (anyAdmin) return;
  const email = cfg.BLOBHUB_ADMIN_EMAIL ?? 'admin@blobhub.local';
  const password = cfg.BLOBHUB_ADMIN_PASSWORD ?? randomBytes(32).toString('base64url');
  const apiKey = cfg.BLOBHUB_ADMIN_API_KEY ?? randomSecret('bhk');
  const setupToken = await app.db.transaction(async (tx) => {
    const admin = await createUser(tx, { email, name: 'Instance admin', password, isInstanceAdmin: true });
    await insertApiKey(
      tx,
      // full rights: the owner must be able to create users, members, keys and credentials with it
      { targetType: 'user', targetId: admin.id, userId: admin.id, role: 'admin', description: 'bootstrap key of the instance admin' },
      apiKey,
    );
    return cfg.BLOBHUB_ADMIN_PASSWORD ? undefined : createSetupToken(tx, admin.id);
  });
  onCreated?.({ email, apiKey, setupUrl: setupToken && setupUrl(app.publicUrl, setupToken) });
}
