/**
 * A short-lived cache of checked credentials (an API key's or access token's hash → who it is), so
 * that a request need not look its credential up in PostgreSQL. Revocation stays immediate:
 *
 * - every change to `users`, `api_keys` and `auth_tokens` (revoking, expiring, deleting, a changed
 *   admin flag, whoever makes it, psql included) NOTIFYs `blobhub_credentials` from a trigger, in
 *   the change's transaction; a notification empties the cache;
 * - before a cached answer is used, the cache makes sure every notification committed before the
 *   request arrived has been received: it sends its own notification (a fence) on the channel and
 *   waits for it to come back. PostgreSQL delivers notifications in commit order, so once the fence
 *   is back every earlier revocation is too. Requests arriving meanwhile share the next fence;
 * - a lookup that overlapped a notification does not store its answer;
 * - when the LISTEN connection is (re)established the cache starts empty, and when a fence does
 *   not come back in time (a lost connection) the cache empties and the request looks its
 *   credential up.
 *
 * Only hashes are kept, never a secret; failed lookups are not cached.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Caller } from './access';
import type { App } from './app';
import { sha256Hex } from './crypto';
import { logger } from './log';

export const CREDENTIALS_CHANNEL = 'blobhub_credentials';
const FENCE_PREFIX = 'fence:';
/** how long a checked credential is trusted without a notification (the fence is still waited for) */
const TTL_MS = 30_000;
/** a fence not back by then means notifications may be lost */
const FENCE_TIMEOUT_MS = 2_000;
const MAX_ENTRIES = 10_000;

/** A checked credential and until when it holds (an access token's expiry). */
export interface CheckedCredential {
  caller: Caller;
  expiresAt?: Date;
}

interface Entry {
  caller: Caller;
  until: number;
}

export class CredentialCache {
  private readonly entries = new Map<string, Entry>();
  /** bumped whenever the cache empties: a lookup begun before may have read what was since changed */
  private generation = 0;
  private listening = false;
  private unlisten?: () => Promise<void>;
  private readonly started: Promise<void>;
  /** this process's fences, by id, with what to do when each comes back */
  private readonly fences = new Map<string, () => void>();
  private readonly fenceIds = `${FENCE_PREFIX}${randomUUID()}:`;
  private fenceCount = 0;
  /** requests waiting for the next fence, and whether one is in flight */
  private waiting: ((ok: boolean) => void)[] = [];
  private fencing = false;

  constructor(private readonly app: App) {
    this.started = app.database.notifier
      .listen(
        CREDENTIALS_CHANNEL,
        (payload) => this.onNotify(payload),
        () => this.onListening(),
      )
      .then((unlisten) => {
        this.unlisten = unlisten;
      })
      .catch((error) => logger.error({ err: error }, 'auth: LISTEN for credential changes failed; credentials are looked up every request'));
  }

  /** Who the secret is: from the cache when it holds it and no change came in since, else by `lookup`. */
  async resolve(secret: string, lookup: () => Promise<CheckedCredential>): Promise<Caller> {
    if (!this.listening) return (await lookup()).caller;
    const hash = sha256Hex(secret);
    const cached = this.entries.get(hash);
    if (cached && cached.until > Date.now() && (await this.fence()) && this.entries.get(hash) === cached) return cached.caller;
    const generation = this.generation;
    const checked = await lookup();
    if (generation === this.generation && this.listening) this.store(hash, checked);
    return checked.caller;
  }

  async close() {
    await this.started;
    this.listening = false;
    await this.unlisten?.();
  }

  private store(hash: string, { caller, expiresAt }: CheckedCredential) {
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(hash, { caller, until: Math.min(Date.now() + TTL_MS, expiresAt?.getTime() ?? Infinity) });
  }

  private empty() {
    this.entries.clear();
    this.generation++;
  }

  private onListening() {
    // notifications sent while the connection was down are lost: start over
    this.empty();
    this.listening = true;
  }

  private onNotify(payload: string) {
    if (!payload.startsWith(FENCE_PREFIX)) return this.empty();
    const done = this.fences.get(payload);
    if (done) done();
  }

  /** Resolves true once every notification committed before the call has been received; false when that cannot be known. */
  private fence(): Promise<boolean> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (!this.fencing) void this.sendFences();
    });
  }

  /** One fence at a time; those who arrive meanwhile wait for the next one (the one in flight may predate them). */
  private async sendFences() {
    this.fencing = true;
    while (this.waiting.length > 0) {
      const batch = this.waiting;
      this.waiting = [];
      const ok = await this.roundTrip();
      if (!ok) this.empty();
      for (const resolve of batch) resolve(ok);
    }
    this.fencing = false;
  }

  private roundTrip(): Promise<boolean> {
    const id = `${this.fenceIds}${++this.fenceCount}`;
    return new Promise((resolve) => {
      const settle = (ok: boolean) => {
        clearTimeout(timer);
        this.fences.delete(id);
        resolve(ok);
      };
      const timer = setTimeout(() => settle(false), FENCE_TIMEOUT_MS);
      this.fences.set(id, () => settle(true));
      this.app.db.execute(sql`select pg_notify(${CREDENTIALS_CHANNEL}, ${id})`).catch(() => settle(false));
    });
  }
}
