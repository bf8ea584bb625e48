/**
 * Request rate limits of the API surfaces (/v1, /trpc): one budget per credential (an API key or
 * access token, by its hash; an anonymous client by its address) and one per organization, which
 * all of an org's API keys (org- and blob-scoped) share, so that one tenant's scripts cannot
 * starve the others. Budgets are per minute and per API process (rate-limiter-flexible, in memory).
 * A refused request is counted in `blobhub_http_rate_limited_total{scope}` on /metrics.
 */
import type { IncomingMessage } from 'node:http';
import { and, eq, isNull } from 'drizzle-orm';
import { Counter } from 'prom-client';
import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { App } from '../core/app';
import { sha256Hex } from '../core/crypto';
import { metricsRegistry } from '../core/metrics';
import { apiKeys, blobs } from '../db/schema';
import { credentialsFromHeaders } from './credentials';

export type RateLimitScope = 'key' | 'org';

export interface RateLimitVerdict {
  scope: RateLimitScope;
  limitPerMinute: number;
  retryAfterSeconds: number;
}

const rateLimited = new Counter({
  name: 'blobhub_http_rate_limited_total',
  help: 'API requests refused with 429, by the budget that ran out (key: one credential, org: all of an org’s API keys)',
  labelNames: ['scope'] as const,
  registers: [metricsRegistry],
});

/** The limiter of one budget, or none when its limit is 0 (off). */
const limiterOf = (perMinute: number) => (perMinute > 0 ? new RateLimiterMemory({ points: perMinute, duration: 60 }) : undefined);

export function rateLimits(app: App) {
  const budgets = {
    key: { perMinute: app.config.BLOBHUB_RATE_LIMIT_KEY_PER_MINUTE, limiter: limiterOf(app.config.BLOBHUB_RATE_LIMIT_KEY_PER_MINUTE) },
    org: { perMinute: app.config.BLOBHUB_RATE_LIMIT_ORG_PER_MINUTE, limiter: limiterOf(app.config.BLOBHUB_RATE_LIMIT_ORG_PER_MINUTE) },
  };

  async function spend(scope: RateLimitScope, id: string): Promise<RateLimitVerdict | undefined> {
    const { limiter, perMinute } = budgets[scope];
    if (!limiter) return undefined;
    try {
      await limiter.consume(id);
      return undefined;
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) throw refusal;
      rateLimited.inc({ scope });
      return { scope, limitPerMinute: perMinute, retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) };
    }
  }

  /** Spends one request of the caller's budgets; a verdict when one of them is used up. */
  return async function check(req: IncomingMessage): Promise<RateLimitVerdict | undefined> {
    const presented = credentialsFromHeaders(req.headers);
    const secret = presented.apiKey ?? presented.bearer;
    const byKey = await spend('key', secret ? sha256Hex(secret) : `address:${req.socket.remoteAddress ?? ''}`);
    if (byKey || !budgets.org.limiter || !secret?.startsWith('bhk_')) return byKey;
    // with the database down the request goes on, to be answered 503 by what it asked for
    const org = await orgOfApiKey(app, secret).catch(() => undefined);
    return org ? spend('org', org) : undefined;
  };
}

/** The organization an API key acts for: its org, or its blob's org; none for personal keys (and unknown ones, which auth refuses). */
async function orgOfApiKey(app: App, secret: string): Promise<string | undefined> {
  const [row] = await app.db
    .select({ targetType: apiKeys.targetType, targetId: apiKeys.targetId, blobOrgId: blobs.orgId })
    .from(apiKeys)
    .leftJoin(blobs, and(eq(apiKeys.targetType, 'blob'), eq(blobs.id, apiKeys.targetId)))
    .where(and(eq(apiKeys.secretHash, sha256Hex(secret)), isNull(apiKeys.revokedAt)));
  if (row?.targetType === 'org') return row.targetId;
  return row?.blobOrgId ?? undefined;
}
