/**
 * Live events over the WebSocket JSON-RPC API (`/v1/realtime`): an async iterator that
 * reconnects after a dropped connection and resumes with `since` = the last event it yielded,
 * so the consumer sees every event once, in order (the server replays, then continues live).
 */
import { on } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import type { BlobHubEvent } from './engine-types';
import { BlobHubError, ConnectionError } from './errors';

export type SubscriptionKey =
  | { scope: 'revision'; scope_id: string; target: 'session' | 'execution'; target_id: string }
  | { scope: 'core'; target: 'organization' | 'blob' | 'revision'; target_id: string };

export interface EventStreamOptions {
  /** an event id or seq: replay the stored events after it first (0 = from the beginning) */
  since?: number | string;
  /** only these event types */
  types?: string[];
  signal?: AbortSignal;
  /** reconnects in a row before giving up (default 10); the count resets after each success */
  maxReconnects?: number;
  /** told before each reconnect, e.g. to show a notice */
  onReconnect?: (attempt: number, reason: Error) => void;
}

export interface RealtimeEndpoint {
  url: string;
  headers: Record<string, string>;
  clientName: string;
}

const CLIENT_VERSION = '0.1.0';
const MAX_BACKOFF_MS = 5000;

/** A JSON-RPC error answered by the realtime server: a refusal, not a network failure. */
export class RealtimeRefusal extends BlobHubError {}

const rpcCodes: Record<number, string> = { 400: 'bad_request', 403: 'forbidden', 405: 'bad_request', 500: 'internal' };

interface Frame {
  id?: string | number | null;
  method?: string;
  params?: { event?: BlobHubEvent };
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** One open socket: sequential requests, with notifications that arrive meanwhile kept in order. */
class RpcSocket {
  private readonly early: BlobHubEvent[] = [];
  private nextId = 1;

  private constructor(
    private readonly ws: WebSocket,
    private readonly frames: AsyncIterator<unknown[]>,
  ) {}

  static open(endpoint: RealtimeEndpoint, signal?: AbortSignal): Promise<RpcSocket> {
    const ws = new WebSocket(endpoint.url, { headers: endpoint.headers });
    // Listening from the start: nothing sent between the handshake and the first read is lost.
    const frames = on(ws, 'message', { close: ['close'], signal });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RpcSocket(ws, frames)));
      ws.once('unexpected-response', (_req, res) => {
        ws.terminate();
        const status = res.statusCode ?? 0;
        if (status === 401) reject(new RealtimeRefusal('unauthenticated', 'the realtime server refused the credential', undefined, status));
        else if (status === 403) reject(new RealtimeRefusal('forbidden', 'the realtime server refused the connection', undefined, status));
        else reject(new ConnectionError(endpoint.url, new Error(`handshake answered HTTP ${status}`)));
      });
      ws.once('error', (error) => reject(new ConnectionError(endpoint.url, error)));
    });
  }

  private async nextFrame(): Promise<Frame | undefined> {
    const { value, done } = await this.frames.next();
    return done ? undefined : (JSON.parse(String(value[0] as WebSocket.RawData)) as Frame);
  }

  async request(method: string, params: object): Promise<unknown> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    for (;;) {
      const frame = await this.nextFrame();
      if (!frame) throw new Error(`the connection closed before ${method} was answered`);
      if (frame.method === 'subscription/event' && frame.params?.event) this.early.push(frame.params.event);
      else if (frame.id === id && frame.error)
        throw new RealtimeRefusal(rpcCodes[frame.error.code] ?? 'bad_request', frame.error.message, frame.error.data, frame.error.code);
      else if (frame.id === id) return frame.result;
    }
  }

  /** Events until the connection closes. */
  async *events(): AsyncGenerator<BlobHubEvent> {
    yield* this.early.splice(0);
    for (;;) {
      const frame = await this.nextFrame();
      if (!frame) return;
      if (frame.method === 'subscription/event' && frame.params?.event) yield frame.params.event;
    }
  }

  close() {
    this.ws.close();
  }
}

const refused = (error: unknown) => error instanceof RealtimeRefusal;

/** Every event of a subscription, live, across reconnects; ends only when `signal` aborts. */
export async function* subscribe(endpoint: RealtimeEndpoint, key: SubscriptionKey, opts: EventStreamOptions = {}): AsyncGenerator<BlobHubEvent> {
  let since = opts.since;
  let failures = 0;
  for (;;) {
    let socket: RpcSocket | undefined;
    let reason: Error = new Error('the server closed the connection');
    try {
      socket = await RpcSocket.open(endpoint, opts.signal);
      await socket.request('status/initialize', { client_info: { name: endpoint.clientName, version: CLIENT_VERSION } });
      await socket.request('subscription/add', { ...key, types: opts.types, since: since ?? null });
      failures = 0;
      for await (const event of socket.events()) {
        since = event.id;
        yield event;
      }
    } catch (error) {
      if (opts.signal?.aborted) return;
      if (refused(error) || ++failures > (opts.maxReconnects ?? 10)) throw error;
      reason = error as Error;
    } finally {
      socket?.close();
    }
    if (opts.signal?.aborted) return;
    opts.onReconnect?.(failures, reason);
    await sleep(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures), undefined, { signal: opts.signal }).catch(() => undefined);
  }
}
