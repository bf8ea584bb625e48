/**
 * GET /v1/realtime: BlobHub's JSON-RPC 2.0 WebSocket API (docs/spec.md §6), as an HttpExtension.
 *
 * Credentials are checked at the handshake (401 when they do not check out) and then re-checked
 * every `recheckMs` for all open connections (one query per distinct credential and one access
 * check per distinct subscription, however many connections share them): a revoked or expired
 * credential closes its connections with 4401, a subscription whose access was withdrawn ends
 * with a `subscription/error` notification. So a revoked key stops receiving events within one
 * recheck interval.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Caller } from '../../../core/access';
import type { App } from '../../../core/app';
import { ApiError } from '../../../core/errors';
import { credentialsFromHeaders } from '../../../http/credentials';
import { resolveCaller, type PresentedCredentials } from '../../../core/auth';
import type { HttpExtension } from '../../../core/http';
import { sendError } from '../responses';
import { CLOSE_UNAUTHENTICATED, RealtimeConnection, type ConnectionLimits } from './connection';
import { acquireHub, releaseHub, type EventHub } from './hub';
import { RPC_FORBIDDEN, RpcError } from './protocol';
import { resolveTarget } from './targets';
import { logger } from '../../../core/log';
import { trackConnection } from './metrics';

export const REALTIME_PATH = '/v1/realtime';
export const MAX_MESSAGE_BYTES = 64 * 1024;
export const BEARER_PROTOCOL = 'authorization.bearer.base64';
export const API_KEY_PROTOCOL = 'x-api-key.base64';

export interface RealtimeOptions extends Partial<ConnectionLimits> {
  /** ping period; a client that has not answered the previous ping by the next one is dropped */
  heartbeatMs?: number;
  /** how often open connections' credentials and subscriptions are re-authorized */
  recheckMs?: number;
}

const defaults = {
  heartbeatMs: 30_000,
  recheckMs: 1_000,
  maxBufferedBytes: 4 * 1024 * 1024,
  maxSubscriptions: 100,
  maxHeldEvents: 10_000,
  replayDrainTimeoutMs: 30_000,
};

export function realtimeExtension(app: App, options: RealtimeOptions = {}): HttpExtension {
  const server = new RealtimeServer(app, { ...defaults, ...options });
  return {
    handle(_req, res, url) {
      if (url.pathname !== REALTIME_PATH) return false;
      sendError(res, 426, { code: 'bad_request', message: 'connect with a WebSocket upgrade (JSON-RPC 2.0)' });
      return true;
    },
    upgrade(req, socket, head) {
      if (new URL(req.url ?? '/', 'http://localhost').pathname !== REALTIME_PATH) return false;
      void server.accept(req, socket, head);
      return true;
    },
    close: () => server.close(),
  };
}

class RealtimeServer {
  private readonly hub: EventHub;
  private readonly wss: WebSocketServer;
  private readonly connections = new Set<RealtimeConnection>();
  private readonly timers: NodeJS.Timeout[];
  private rechecking = false;

  constructor(
    private readonly app: App,
    private readonly options: typeof defaults,
  ) {
    this.hub = acquireHub(app);
    this.wss = new WebSocketServer({
      noServer: true,
      clientTracking: false,
      maxPayload: MAX_MESSAGE_BYTES,
      // accept() leaves only the chosen auth protocol in the header; it is echoed back
      handleProtocols: (offered) => [...offered].find((p) => p === BEARER_PROTOCOL || p === API_KEY_PROTOCOL) ?? false,
    });
    this.timers = [setInterval(() => this.heartbeat(), options.heartbeatMs), setInterval(() => void this.recheck(), options.recheckMs)];
    for (const timer of this.timers) timer.unref();
  }

  async accept(req: IncomingMessage, socket: Duplex, head: Buffer) {
    socket.on('error', () => socket.destroy());
    const presented = presentedCredentials(req);
    let caller: Caller;
    try {
      if (!presented) throw new ApiError('unauthenticated', 'the subprotocol credential is missing');
      caller = await resolveCaller(this.app, presented.credentials);
    } catch (error) {
      const unauthenticated = error instanceof ApiError && error.specCode === 'unauthenticated';
      if (!unauthenticated) logger.error({ err: error }, 'realtime: handshake failed');
      return refuse(socket, unauthenticated ? 401 : 500, unauthenticated ? error.message : 'internal error');
    }
    if (presented.protocol) req.headers['sec-websocket-protocol'] = presented.protocol;
    this.wss.handleUpgrade(req, socket, head, (ws) => this.connect(ws, socket, caller, presented.credentials));
  }

  private connect(ws: WebSocket, socket: Duplex, caller: Caller, credentials: PresentedCredentials) {
    const connection = new RealtimeConnection(ws, socket, this.app, this.hub, this.options, caller, credentials);
    this.connections.add(connection);
    trackConnection(connection, ws);
    ws.on('close', () => this.connections.delete(connection));
  }

  private heartbeat() {
    for (const connection of this.connections) {
      if (connection.alive) connection.ping();
      else connection.terminate();
    }
  }

  /** Re-authorizes every open connection, once per distinct credential and subscription. */
  private async recheck() {
    if (this.rechecking || this.connections.size === 0) return;
    this.rechecking = true;
    try {
      const byCredential = new Map<string, RealtimeConnection[]>();
      for (const c of this.connections) {
        const fingerprint = JSON.stringify(c.credentials);
        const group = byCredential.get(fingerprint);
        if (group) group.push(c);
        else byCredential.set(fingerprint, [c]);
      }
      for (const group of byCredential.values()) await this.recheckGroup(group);
    } catch (error) {
      logger.error({ err: error }, 'realtime: recheck failed');
    } finally {
      this.rechecking = false;
    }
  }

  private async recheckGroup(connections: RealtimeConnection[]) {
    const [first] = connections;
    if (!first) return;
    let caller: Caller;
    try {
      caller = await resolveCaller(this.app, first.credentials);
    } catch (error) {
      if (!(error instanceof ApiError && error.specCode === 'unauthenticated')) throw error;
      for (const c of connections) c.close(CLOSE_UNAUTHENTICATED, 'credential revoked or expired');
      return;
    }
    const verdicts = new Map<string, Promise<RpcError | null>>();
    for (const connection of connections) {
      connection.caller = caller;
      for (const subscription of connection.activeSubscriptions) {
        let verdict = verdicts.get(subscription.id);
        if (!verdict) {
          verdict = resolveTarget(this.app, caller, subscription.key).then(
            () => null,
            (error) => (error instanceof RpcError && error.code === RPC_FORBIDDEN ? error : null),
          );
          verdicts.set(subscription.id, verdict);
        }
        const denied = await verdict;
        if (denied) connection.dropSubscription(subscription, denied);
      }
    }
  }

  async close() {
    for (const timer of this.timers) clearInterval(timer);
    const open = [...this.connections];
    for (const connection of open) connection.close(1001, 'server shutting down');
    this.connections.clear();
    this.wss.close();
    // drained, not dropped: each client answers the close frame (or is cut off after a grace)
    await Promise.all(open.map((connection) => connection.ended));
    await releaseHub(this.app);
  }
}

/**
 * Header credentials, or a browser's `[protocol, base64(secret)]` subprotocol pair (base64url
 * accepted too, since `=` and `/` are not allowed in a subprotocol). Undefined: a malformed pair.
 */
function presentedCredentials(req: IncomingMessage): { credentials: PresentedCredentials; protocol?: string } | undefined {
  const fromHeaders = credentialsFromHeaders(req.headers);
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const at = offered.findIndex((p) => p === BEARER_PROTOCOL || p === API_KEY_PROTOCOL);
  if (at < 0) return { credentials: fromHeaders };
  const protocol = offered[at];
  const encoded = offered[at + 1];
  const secret = encoded ? Buffer.from(encoded, 'base64').toString('utf8') : '';
  if (!secret) return undefined;
  const fromProtocol = protocol === BEARER_PROTOCOL ? { bearer: secret } : { apiKey: secret };
  const hasHeaderCredential = Boolean(fromHeaders.bearer || fromHeaders.apiKey);
  return { credentials: hasHeaderCredential ? fromHeaders : fromProtocol, protocol };
}

function refuse(socket: Duplex, status: 401 | 500, message: string) {
  const body = JSON.stringify({ error: { code: status === 401 ? 'unauthenticated' : 'internal', message } });
  socket.end(
    `HTTP/1.1 ${status} ${status === 401 ? 'Unauthorized' : 'Internal Server Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
