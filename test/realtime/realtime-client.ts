/** A small JSON-RPC client over a real WebSocket, as a realtime client library would use it. */
import WebSocket from 'ws';

export interface RpcResponse {
  id: string | number | null;
  result?: any;
  error?: { code: number; message: string; data?: unknown };
}

export interface Notification {
  method: string;
  params: any;
}

export type Auth = { key?: string; token?: string; protocol?: 'bearer' | 'key'; secret?: string };

export function realtimeUrl(baseUrl: string) {
  return `${baseUrl.replace(/^http/, 'ws')}/v1/realtime`;
}

/** Opens the socket; rejects with the HTTP status when the handshake is refused. */
function open(baseUrl: string, auth: Auth): Promise<WebSocket> {
  const headers: Record<string, string> = {};
  if (auth.key) headers['x-api-key'] = auth.key;
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  const protocols = auth.protocol
    ? [
        auth.protocol === 'bearer' ? 'authorization.bearer.base64' : 'x-api-key.base64',
        ...(auth.secret === undefined ? [] : [Buffer.from(auth.secret).toString('base64url')]),
      ]
    : undefined;
  const ws = new WebSocket(realtimeUrl(baseUrl), protocols, { headers });
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => reject(Object.assign(new Error(`handshake refused: ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
  });
}

export class RealtimeClient {
  readonly notifications: Notification[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private nextId = 1;
  private readonly pending = new Map<string | number, (r: RpcResponse) => void>();
  private readonly waiters = new Set<() => void>();
  /** frames that were neither notifications nor answers to our requests */
  readonly other: unknown[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.onFrame(JSON.parse(data.toString())));
    this.closed = new Promise((resolve) => ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(baseUrl: string, auth: Auth = {}) {
    return new RealtimeClient(await open(baseUrl, auth));
  }

  private onFrame(frame: any) {
    for (const f of Array.isArray(frame) ? frame : [frame]) {
      if (f.method) this.notifications.push(f);
      else if (f.id !== null && this.pending.has(f.id)) {
        this.pending.get(f.id)!(f);
        this.pending.delete(f.id);
      } else this.other.push(f);
    }
    for (const wake of this.waiters) wake();
  }

  get protocol() {
    return this.ws.protocol;
  }

  request(method: string, params?: unknown): Promise<RpcResponse> {
    const id = this.nextId++;
    this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    return new Promise((resolve) => this.pending.set(id, resolve));
  }

  sendRaw(data: string | Buffer) {
    this.ws.send(data);
  }

  /** `subscription/event` payloads, optionally for one subscription target. */
  events(targetId?: string): any[] {
    return this.notifications.filter((n) => n.method === 'subscription/event' && (!targetId || n.params.target_id === targetId)).map((n) => n.params.event);
  }

  async waitUntil(condition: () => boolean, what: string, timeoutMs = 20_000) {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const wake = () => (this.waiters.delete(wake), clearTimeout(timer), resolve());
        const timer = setTimeout(wake, 50);
        this.waiters.add(wake);
      });
    }
  }

  waitForOther(count: number) {
    return this.waitUntil(() => this.other.length >= count, `${count} unmatched frames`);
  }

  waitForEvents(count: number, targetId?: string, timeoutMs?: number) {
    return this.waitUntil(() => this.events(targetId).length >= count, `${count} events`, timeoutMs);
  }

  close() {
    this.ws.close();
    return this.closed;
  }
}
