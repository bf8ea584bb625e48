/**
 * A live subscription over the realtime WebSocket (/v1/realtime, JSON-RPC 2.0). Browsers cannot
 * set headers on a WebSocket, so the access token rides in the `authorization.bearer.base64`
 * subprotocol. On a dropped connection it reconnects and subscribes again with `since` = the
 * last seq it saw: the server replays what was missed, so the stream has no gap and no duplicate.
 */
import type { ExecutionEvent } from '../api/workflow';

export interface SubscriptionTarget {
  scope: 'revision' | 'core';
  scope_id: string;
  target: 'session' | 'execution' | 'organization' | 'blob' | 'revision';
  target_id: string;
}

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveOptions {
  key: SubscriptionTarget;
  token: () => Promise<string | undefined>;
  onEvent: (event: ExecutionEvent) => void;
  onState: (state: ConnectionState, detail?: string) => void;
  /** replay from the start of the stream (seq 0) on the first connection too */
  fromStart?: boolean;
}

const MAX_BACKOFF_MS = 5_000;

const socketUrl = () => `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/realtime`;
const bearerProtocol = (token: string) => ['authorization.bearer.base64', btoa(token).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')];

export function subscribeLive(opts: LiveOptions): () => void {
  let socket: WebSocket | undefined;
  let lastSeq: number | undefined = opts.fromStart ? 0 : undefined;
  let attempts = 0;
  let stopped = false;
  let retry: ReturnType<typeof setTimeout> | undefined;

  const connect = async () => {
    const token = await opts.token();
    if (stopped) return;
    const ws = new WebSocket(socketUrl(), token ? bearerProtocol(token) : undefined);
    socket = ws;
    ws.onopen = () => {
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'status/initialize', params: { client_info: { name: 'blobhub-web', version: '1' } } }));
      ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'subscription/add', params: { ...opts.key, since: lastSeq } }));
    };
    ws.onmessage = (message) => {
      const frame = JSON.parse(String(message.data)) as { id?: number; method?: string; params?: { event: ExecutionEvent }; error?: { message: string } };
      if (frame.id === 2 && frame.error) return opts.onState('closed', frame.error.message);
      if (frame.id === 2) {
        attempts = 0;
        return opts.onState('live');
      }
      if (frame.method !== 'subscription/event' || !frame.params) return;
      const { event } = frame.params;
      if (lastSeq !== undefined && event.seq <= lastSeq) return;
      lastSeq = event.seq;
      opts.onEvent(event);
    };
    ws.onclose = () => {
      if (stopped || socket !== ws) return;
      opts.onState('reconnecting');
      retry = setTimeout(connect, Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempts++));
    };
  };

  opts.onState('connecting');
  void connect();
  return () => {
    stopped = true;
    clearTimeout(retry);
    socket?.close();
  };
}
