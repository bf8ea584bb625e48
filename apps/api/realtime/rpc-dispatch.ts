/** JSON-RPC 2.0 around a method call: requests, notifications and batches in, the answer frame out. */
import type { z } from 'zod';
import { errorFrame, invalidParams, requestSchema, resultFrame, RPC_BAD_REQUEST, RPC_INTERNAL, RpcError } from './protocol';
import { logger } from '../../../core/log';

/** A method's result, and what runs once its answer has been sent (a replay). */
export interface CallOutcome {
  result: unknown;
  after?: () => Promise<void>;
}
export type RpcCall = (method: string, params: Record<string, unknown>) => Promise<CallOutcome>;

type Handled = { frame: string | null; after?: () => Promise<void> };

/** The one frame answering a message (none for notifications only), and what to run after sending it. */
export async function answerMessage(message: unknown, call: RpcCall): Promise<{ frame: string | null; after: (() => Promise<void>)[] }> {
  if (Array.isArray(message) && message.length === 0)
    return { frame: errorFrame(null, new RpcError(RPC_BAD_REQUEST, 'Invalid request: empty batch')), after: [] };
  const handled = Array.isArray(message) ? await Promise.all(message.map((m) => handle(m, call))) : [await handle(message, call)];
  const frames = handled.flatMap((h) => (h.frame ? [h.frame] : []));
  const frame = frames.length === 0 ? null : Array.isArray(message) ? `[${frames.join(',')}]` : (frames[0] ?? null);
  return { frame, after: handled.flatMap((h) => (h.after ? [h.after] : [])) };
}

async function handle(message: unknown, call: RpcCall): Promise<Handled> {
  const raw = message as { id?: unknown; method?: unknown } | null;
  // Responses to server requests: this server sends none, so there is nothing to match them to.
  if (raw && typeof raw === 'object' && raw.method === undefined && ('result' in raw || 'error' in raw)) return { frame: null };
  const request = requestSchema.safeParse(message);
  if (!request.success) {
    const id = typeof raw?.id === 'string' || typeof raw?.id === 'number' ? raw.id : null;
    return { frame: errorFrame(id, new RpcError(RPC_BAD_REQUEST, 'Invalid request: expected {jsonrpc: "2.0", id, method, params?}')) };
  }
  const { id, method, params = {} } = request.data;
  const reply = (frame: string) => (id === undefined ? null : frame); // notifications get no answer
  try {
    const { result, after } = await call(method, params);
    return { frame: reply(resultFrame(id ?? null, result)), after };
  } catch (error) {
    return { frame: reply(errorFrame(id ?? null, asRpcError(error))) };
  }
}

/** A method's params, checked: invalid ones are a 400 naming the issues. */
export function parseParams<T extends z.ZodType>(schema: T, params: unknown): z.infer<T> {
  const parsed = schema.safeParse(params);
  if (!parsed.success) throw invalidParams(parsed.error);
  return parsed.data;
}

function asRpcError(error: unknown): RpcError {
  if (error instanceof RpcError) return error;
  logger.error({ err: error }, 'realtime: request failed');
  return new RpcError(RPC_INTERNAL, 'Internal error');
}
