/**
 * The realtime wire protocol: JSON-RPC 2.0 frames with BlobHub's HTTP-like error codes
 * (400 invalid syntax or params, 403 access forbidden, 405 method not supported, 500 failure).
 */
import { z } from 'zod';
import { eventToWire, type EventRow } from '../../../core/events';

export const SERVER_INFO = { name: 'BlobHub Realtime Server', version: '1.0.1' } as const;

export const RPC_BAD_REQUEST = 400;
export const RPC_FORBIDDEN = 403;
export const RPC_METHOD_NOT_SUPPORTED = 405;
export const RPC_INTERNAL = 500;

/** A failure that is answered as a JSON-RPC error object. */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(message);
  }
}

export const accessForbidden = () => new RpcError(RPC_FORBIDDEN, 'Access forbidden');

export type RpcId = string | number | null;

export const requestSchema = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.string(), z.number()]).nullable().optional(),
  method: z.string().min(1),
  params: z.record(z.string(), z.unknown()).optional(),
});

export const initializeParams = z.object({
  client_info: z.object({ name: z.string().max(200), version: z.string().max(100) }).optional(),
});

const resourceId = z.string().min(1).max(200);

/** Which stream a subscription follows; `scope_id` is unused (and optional) for the core scope. */
export const subscriptionKeySchema = z
  .object({
    scope: z.enum(['revision', 'core']),
    scope_id: resourceId.nullable().optional(),
    target: z.enum(['session', 'execution', 'organization', 'blob', 'revision', 'audit_log']),
    target_id: resourceId,
  })
  .superRefine((key, ctx) => {
    const targets = key.scope === 'revision' ? ['session', 'execution'] : ['organization', 'blob', 'revision', 'audit_log'];
    if (!targets.includes(key.target)) {
      ctx.addIssue({ code: 'custom', path: ['target'], message: `scope ${key.scope} supports targets ${targets.join(', ')}` });
    }
    if (key.scope === 'revision' && !key.scope_id) {
      ctx.addIssue({ code: 'custom', path: ['scope_id'], message: 'the revision scope needs a revision id' });
    }
  });
export type SubscriptionKey = z.infer<typeof subscriptionKeySchema>;

/** `since`: an event id, or a seq (number or digits) in the subscription's stream. */
export const sinceSchema = z.union([z.number().int().min(0), z.string().regex(/^\d{1,15}$/), z.string().regex(/^evt_[0-9a-z]{26}$/i)]);

export const addParams = z.intersection(
  subscriptionKeySchema,
  z.object({
    types: z.array(z.string().min(1).max(100)).min(1).max(100).optional(),
    since: sinceSchema.nullable().optional(),
  }),
);

/** Identity of a subscription on a connection: adding the same key again replaces it. */
export function keyString(key: SubscriptionKey): string {
  return JSON.stringify([key.scope, key.scope_id ?? null, key.target, key.target_id]);
}

/** The fixed part of a notification's params, pre-serialized once per subscription. */
export function keyParamsJson(key: SubscriptionKey): string {
  return JSON.stringify({ scope: key.scope, scope_id: key.scope_id ?? null, target: key.target, target_id: key.target_id }).slice(1, -1);
}

export function resultFrame(id: RpcId, result: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result });
}

export function errorFrame(id: RpcId, error: RpcError): string {
  return JSON.stringify({ jsonrpc: '2.0', id, error: { code: error.code, message: error.message, data: error.data } });
}

export function notificationFrame(method: string, params: unknown): string {
  return JSON.stringify({ jsonrpc: '2.0', method, params });
}

/** `subscription/event`, built by concatenation so one event is serialized once for all subscribers. */
function eventFrame(keyParams: string, eventJson: string): string {
  return `{"jsonrpc":"2.0","method":"subscription/event","params":{${keyParams},"event":${eventJson}}}`;
}

const frames = new WeakMap<EventRow, Map<string, Buffer>>();

/**
 * The `subscription/event` frame of an event for one subscription key, encoded once however many
 * connections share that key (1,000 subscribers of a session cost one serialization).
 */
export function eventNotification(row: EventRow, keyParams: string): Buffer {
  let byKey = frames.get(row);
  if (!byKey) {
    byKey = new Map();
    frames.set(row, byKey);
  }
  let frame = byKey.get(keyParams);
  if (!frame) {
    const event = JSON.stringify({ ...eventToWire(row), org_id: row.orgId ?? undefined, blob_id: row.blobId ?? undefined });
    frame = Buffer.from(eventFrame(keyParams, event));
    byKey.set(keyParams, frame);
  }
  return frame;
}

/** zod issues in a compact, client-readable form for an error's `data`. */
export function invalidParams(error: z.ZodError): RpcError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  return new RpcError(RPC_BAD_REQUEST, `Invalid params: ${issues.map((i) => `${i.path || '(params)'}: ${i.message}`).join('; ')}`, issues);
}
