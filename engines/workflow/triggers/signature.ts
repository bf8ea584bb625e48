/**
 * A webhook request's proof that it comes from whoever holds the trigger's secret: the secret as
 * a bearer token, or (GitHub/Stripe style) an HMAC-SHA256 signature over `<timestamp>.<body>` whose
 * timestamp is within the trigger's tolerance, which stops a captured request from being replayed later.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { unauthenticated } from '../../../core/errors';
import { sha256Hex } from '../../../core/crypto';
import type { TriggerSpec } from './model';

export const TIMESTAMP_HEADER = 'x-blobhub-timestamp';
export const SIGNATURE_HEADER = 'x-blobhub-signature';
export const SECRET_HEADER = 'x-blobhub-webhook-secret';

/** `sha256=<hex>` of HMAC-SHA256(secret, `${timestamp}.${body}`): what a sender puts in X-BlobHub-Signature. */
export function hookSignature(secret: string, timestamp: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex')}`;
}

/** Compared through their hashes: equal lengths, and no timing difference to learn the secret from. */
const sameSecret = (a: string, b: string) => timingSafeEqual(Buffer.from(sha256Hex(a), 'hex'), Buffer.from(sha256Hex(b), 'hex'));

const single = (value: string | string[] | undefined) => (typeof value === 'string' ? value.trim() : undefined);

function presentedSecret(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^bearer\s+(.+)$/i.exec(single(headers.authorization) ?? '')?.[1];
  return bearer?.trim() ?? single(headers[SECRET_HEADER]);
}

/** Throws 401 unless the request carries the secret, or a fresh signature made with it. */
export function verifyHookRequest(
  spec: Pick<TriggerSpec, 'auth' | 'timestamp_tolerance_seconds'>,
  secret: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  nowMs = Date.now(),
) {
  if (spec.auth === 'secret') {
    const presented = presentedSecret(headers);
    if (!presented || !sameSecret(presented, secret)) throw unauthenticated('the webhook secret is missing or wrong');
    return;
  }
  const timestamp = single(headers[TIMESTAMP_HEADER]);
  const signature = single(headers[SIGNATURE_HEADER]);
  if (!timestamp || !signature)
    throw unauthenticated(`sign the request: ${TIMESTAMP_HEADER} (unix seconds) and ${SIGNATURE_HEADER} (sha256=<hex HMAC of "<timestamp>.<body>">)`);
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(nowMs / 1000 - Number(timestamp)) > spec.timestamp_tolerance_seconds)
    throw unauthenticated(`the signed timestamp is more than ${spec.timestamp_tolerance_seconds} s from the server's clock`);
  if (!sameSecret(signature, hookSignature(secret, timestamp, body))) throw unauthenticated('the webhook signature does not match');
}
