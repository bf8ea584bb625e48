/**
 * Live events over the WebSocket JSON-RPC API (`/v1/realtime`): an async iterator that
 * reconnects after a dropped connection and resumes with `since` = the seq of the last event it yielded,
 * so the consumer sees every event once, in order (the server replays, then continues live).
 * Runs in browsers and in Node: how a socket is opened (and authenticated) is the endpoint's
 * `open`, see `browserSocket` here and `nodeSocket` in realtime-node.ts.
 */
import type { z } from 'zod';
import type { subscriptionKeySchema } from '../apps/api/realtime/protocol';
import type { BlobHubEvent } from './engine-types';
import { BlobHubError } from './errors';

/** Which stream a subscription follows: the server's own key schema, as a client writes it. */
export type SubscriptionKey = z.input<typeof subscriptionKeySchema>;

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
  /** told each time the subscription is (again) in place and live */
  onLive?: () => void;
}

/** An open socket as the subscription reads it: text frames in order, `undefined` once closed. */
export interface RealtimeSocket {
  send(text: string): void;
  nextFrame(): Promise<string | undefined>;
  close(): void;
}

export interface RealtimeEndpoint {
  url: string;
  clientName: string;
  /** opens (and authenticates) one connection; rejects with RealtimeRefusal when the credential is refused */
  open: (url: string) => Promise<RealtimeSocket>;
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

/** Text frames received before they are read; both socket kinds feed one. */
export class FrameQueue {
  private readonly frames: string[] = [];
  private waiting: ((frame: string | undefined) => void) | undefined;
  private ended = false;

  push(frame: string) {
    if (this.waiting) this.take(frame);
    else this.frames.push(frame);
  }

  end() {
    this.ended = true;
    this.take(undefined);
  }

  next(): Promise<string | undefined> {
    if (this.frames.length || this.ended) return Promise.resolve(this.frames.shift());
    return new Promise((resolve) => (this.waiting = resolve));
  }

  private take(frame: string | undefined) {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.(frame);
  }
}

/** Opens a socket with the browser's global WebSocket (`protocols` carry the credential there). */
export function browserSocket(url: string, protocols?: string[]): Promise<RealtimeSocket> {
  const ws = new WebSocket(url, protocols);
  // Listening from the start: nothing sent between the handshake and the first read is lost.
  const frames = new FrameQueue();
  ws.addEventListener('message', (message) => frames.push(String(message.data)));
  ws.addEventListener('close', () => frames.end());
  return new Promise((resolve, reject) => {
    ws.addEventListener('open', () => resolve({ send: (text) => ws.send(text), nextFrame: () => frames.next(), close: () => ws.close() }));
    // A browser does not show the handshake's status: a refusal looks like any failed connection.
    ws.addEventListener('error', () => reject(new Error(`could not connect to ${url}`)));
  });
}

/** One open connection: requests and their answers, with notifications that arrive meanwhile kept in order. */
class RpcConnection {
  private readonly early: BlobHubEvent[] = [];
  private readonly answers = new Map<number, Frame>();
  private nextId = 1;

  constructor(private readonly socket: RealtimeSocket) {}

  private async nextFrame(): Promise<Frame | undefined> {
    const text = await this.socket.nextFrame();
    return text === undefined ? undefined : (JSON.parse(text) as Frame);
  }

  /** Sends a request without waiting for its answer: several can be in flight at once. */
  send(method: string, params: object): number {
    const id = this.nextId++;
    this.socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return id;
  }

  /** The result of request `id`; answers to others that arrive first wait for their turn. */
  async answer(id: number): Promise<unknown> {
    for (;;) {
      const frame = this.answers.get(id);
      if (frame?.error) throw new RealtimeRefusal(rpcCodes[frame.error.code] ?? 'bad_request', frame.error.message, frame.error.data, frame.error.code);
      if (frame) return frame.result;
      const next = await this.nextFrame();
      if (!next) throw new Error(`the connection closed before request ${id} was answered`);
      if (next.method === 'subscription/event' && next.params?.event) this.early.push(next.params.event);
      else if (typeof next.id === 'number') this.answers.set(next.id, next);
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
    this.socket.close();
  }
}

const refused = (error: unknown) => error instanceof RealtimeRefusal;

/** Resolves after `ms`, or at once when `signal` aborts. */
const pause = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done);
  });

/** Every event of a subscription, live, across reconnects; ends only when `signal` aborts. */
export async function* subscribe(endpoint: RealtimeEndpoint, key: SubscriptionKey, opts: EventStreamOptions = {}): AsyncGenerator<BlobHubEvent> {
  let since = opts.since;
  let failures = 0;
  for (;;) {
    let connection: RpcConnection | undefined;
    let reason: Error = new Error('the server closed the connection');
    // Aborting closes the socket, which ends the read the loop is waiting in.
    const closeOnAbort = () => connection?.close();
    opts.signal?.addEventListener('abort', closeOnAbort);
    try {
      if (opts.signal?.aborted) return;
      connection = new RpcConnection(await endpoint.open(endpoint.url));
      if (opts.signal?.aborted) return;
      // Both requests at once, their answers matched by id: one round trip from open to live.
      const initialized = connection.send('status/initialize', { client_info: { name: endpoint.clientName, version: CLIENT_VERSION } });
      const added = connection.send('subscription/add', { ...key, types: opts.types, since: since ?? null });
      await connection.answer(initialized);
      await connection.answer(added);
      failures = 0;
      opts.onLive?.();
      for await (const event of connection.events()) {
        // A replay that overlaps what was already yielded is skipped: each event once, in order.
        if (typeof since === 'number' && event.seq <= since) continue;
        since = event.seq;
        yield event;
      }
    } catch (error) {
      if (opts.signal?.aborted) return;
      if (refused(error) || ++failures > (opts.maxReconnects ?? 10)) throw error;
      reason = error as Error;
    } finally {
      opts.signal?.removeEventListener('abort', closeOnAbort);
      connection?.close();
    }
    if (opts.signal?.aborted) return;
    opts.onReconnect?.(failures, reason);
    await pause(Math.min(MAX_BACKOFF_MS, 100 * 2 ** failures), opts.signal);
  }
}
