/** One WebSocket client: its subscriptions and their replays, and delivery with backpressure (JSON-RPC framing in rpc-dispatch.ts). */
import type { Duplex } from 'node:stream';
import type { RawData, WebSocket } from 'ws';
import type { z } from 'zod';
import type { Caller } from '../../../core/access';
import type { App } from '../../../core/app';
import type { PresentedCredentials } from '../../../core/auth';
import type { EventRow } from '../../../core/events';
import type { EventHub } from './hub';
import {
  addParams,
  errorFrame,
  eventNotification,
  initializeParams,
  keyString,
  notificationFrame,
  RPC_BAD_REQUEST,
  RPC_INTERNAL,
  RPC_METHOD_NOT_SUPPORTED,
  RpcError,
  SERVER_INFO,
  subscriptionKeySchema,
  type SubscriptionKey,
} from './protocol';
import { answerMessage, parseParams, type CallOutcome } from './rpc-dispatch';
import { Subscription, type SubscriptionOutlet } from './subscription';
import { resolveTarget, sinceSeq, storedEventsAfter } from './targets';
import { logger } from '../../../core/log';

export interface ConnectionLimits {
  /** bytes queued for one client before it is closed as too slow (1013) */
  maxBufferedBytes: number;
  maxSubscriptions: number;
  /** live events held for one subscription while its replay runs */
  maxHeldEvents: number;
  /** how long a replay waits for a client to drain before giving up on it */
  replayDrainTimeoutMs: number;
}

export const CLOSE_TRY_AGAIN_LATER = 1013;
export const CLOSE_UNAUTHENTICATED = 4401;
/** a closing client that never completes the close handshake is cut off after this */
const CLOSE_GRACE_MS = 10_000;

export class RealtimeConnection implements SubscriptionOutlet {
  private readonly subscriptions = new Map<string, Subscription>();
  /** set by any frame or pong from the client, cleared by each heartbeat */
  alive = true;
  private closed = false;
  private corked = false;
  /** resolves once the socket is closed: after the close handshake, or cut off by terminate */
  readonly ended: Promise<void>;

  constructor(
    private readonly ws: WebSocket,
    /** the upgraded TCP socket under `ws`, corked while a burst of frames is queued */
    private readonly socket: Duplex,
    private readonly app: App,
    private readonly hub: EventHub,
    readonly limits: ConnectionLimits,
    public caller: Caller,
    readonly credentials: PresentedCredentials,
  ) {
    this.ended = new Promise((resolve) => ws.once('close', () => resolve()));
    ws.on('message', (data, isBinary) => this.onMessage(data, isBinary));
    ws.on('pong', () => (this.alive = true));
    ws.on('close', () => this.dispose());
    ws.on('error', () => this.dispose());
  }

  get activeSubscriptions(): Subscription[] {
    return [...this.subscriptions.values()];
  }

  private onMessage(data: RawData, isBinary: boolean) {
    this.alive = true;
    if (isBinary) return this.send(errorFrame(null, new RpcError(RPC_BAD_REQUEST, 'Parse error: frames must be JSON text')));
    let message: unknown;
    try {
      message = JSON.parse(data.toString());
    } catch {
      return this.send(errorFrame(null, new RpcError(RPC_BAD_REQUEST, 'Parse error: invalid JSON')));
    }
    void this.answer(message);
  }

  /** A request or a JSON-RPC batch; replays start only after their `{}` result went out. */
  private async answer(message: unknown) {
    const { frame, after } = await answerMessage(message, (method, params) => this.call(method, params));
    if (frame) this.send(frame);
    for (const run of after) await run();
  }

  private async call(method: string, params: Record<string, unknown>): Promise<CallOutcome> {
    switch (method) {
      case 'status/initialize':
        parseParams(initializeParams, params);
        return { result: { server_info: SERVER_INFO } };
      case 'subscription/add':
        return this.addSubscription(parseParams(addParams, params));
      case 'subscription/remove':
        this.removeSubscription(keyString(parseParams(subscriptionKeySchema, params)));
        return { result: {} };
      default:
        throw new RpcError(RPC_METHOD_NOT_SUPPORTED, `Method not supported: ${method.slice(0, 100)}`);
    }
  }

  private async addSubscription(input: z.infer<typeof addParams>) {
    const id = keyString(input);
    if (!this.subscriptions.has(id) && this.subscriptions.size >= this.limits.maxSubscriptions) {
      throw new RpcError(RPC_BAD_REQUEST, `Too many subscriptions: at most ${this.limits.maxSubscriptions} per connection`);
    }
    const target = await resolveTarget(this.app, this.caller, input);
    const since = input.since == null ? undefined : await sinceSeq(this.app, target, input.since);
    this.removeSubscription(id);
    const key: SubscriptionKey = { scope: input.scope, scope_id: input.scope_id, target: input.target, target_id: input.target_id };
    const subscription = new Subscription(this, key, target, input.types, since !== undefined);
    this.subscriptions.set(id, subscription);
    try {
      await this.hub.attach(target.stream, subscription.listener);
    } catch (error) {
      if (this.subscriptions.get(id) === subscription) this.removeSubscription(id);
      throw error;
    }
    if (this.closed || this.subscriptions.get(id) !== subscription) {
      this.hub.detach(target.stream, subscription.listener);
      return { result: {} };
    }
    return { result: {}, after: since === undefined ? undefined : () => this.replay(subscription, since) };
  }

  private removeSubscription(id: string) {
    const subscription = this.subscriptions.get(id);
    if (!subscription) return;
    subscription.active = false;
    this.subscriptions.delete(id);
    this.hub.detach(subscription.target.stream, subscription.listener);
  }

  /** Sends stored events after the cursor, paced by the client's reading, then switches to live. */
  private async replay(subscription: Subscription, since: number) {
    try {
      for await (const page of storedEventsAfter(this.app, subscription.target, since, subscription.types)) {
        for (const row of page) {
          if (!subscription.active || this.closed) return;
          if (this.ws.bufferedAmount > this.limits.maxBufferedBytes / 2 && !(await this.drained())) return this.closeAsTooSlow();
          subscription.markReplayed(row);
          this.coalesceWrites();
          this.ws.send(eventNotification(row, subscription.keyParams), { binary: false });
        }
      }
      if (subscription.active) subscription.goLive();
    } catch (error) {
      logger.error({ err: error }, 'realtime: replay failed');
      this.dropSubscription(subscription, new RpcError(RPC_INTERNAL, 'Internal error: replay failed'));
    }
  }

  private async drained(): Promise<boolean> {
    const deadline = Date.now() + this.limits.replayDrainTimeoutMs;
    while (this.ws.bufferedAmount > this.limits.maxBufferedBytes / 4) {
      if (this.closed || Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return !this.closed;
  }

  sendEvent(subscription: Subscription, row: EventRow) {
    this.send(eventNotification(row, subscription.keyParams));
  }

  /** Ends a subscription the caller may no longer follow, telling the client why. */
  dropSubscription(subscription: Subscription, error: RpcError) {
    if (!subscription.active) return;
    this.removeSubscription(subscription.id);
    this.send(
      notificationFrame('subscription/error', {
        ...subscription.key,
        scope_id: subscription.key.scope_id ?? null,
        error: { code: error.code, message: error.message },
      }),
    );
  }

  private send(frame: string | Buffer) {
    if (this.closed || this.ws.readyState !== this.ws.OPEN) return;
    if (this.ws.bufferedAmount > this.limits.maxBufferedBytes) return this.closeAsTooSlow();
    this.coalesceWrites();
    this.ws.send(frame, { binary: false });
  }

  /**
   * Frames queued in the same tick (a batch of events fanned out together) leave in one write
   * instead of one system call each: that is most of the cost of a fan-out to many clients.
   */
  private coalesceWrites() {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  closeAsTooSlow() {
    this.close(CLOSE_TRY_AGAIN_LATER, 'consumer too slow');
  }

  /** Stops all delivery now; the close frame follows whatever the client has not read yet. */
  close(code: number, reason: string) {
    if (this.closed) return;
    this.dispose();
    this.ws.close(code, reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  terminate() {
    this.dispose();
    this.ws.terminate();
  }

  ping() {
    this.alive = false;
    this.ws.ping();
  }

  private dispose() {
    if (this.closed) return;
    this.closed = true;
    for (const id of [...this.subscriptions.keys()]) this.removeSubscription(id);
  }

  get isClosed() {
    return this.closed;
  }
}
