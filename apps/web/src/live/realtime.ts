/**
 * A live subscription through the SDK's realtime client (/v1/realtime, JSON-RPC 2.0). Browsers
 * cannot set headers on a WebSocket, so the access token rides in the `authorization.bearer.base64`
 * subprotocol, read afresh for each connection. On a dropped connection the client subscribes
 * again with `since` = the last seq it saw: the server replays what was missed, no gap, no duplicate.
 */
import { browserSocket, subscribe, type BlobHubEvent, type RealtimeEndpoint, type SubscriptionKey } from '../../../../sdk/browser';
import { accessToken } from '../api/trpc';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'closed';

export interface LiveOptions {
  key: SubscriptionKey;
  onEvent: (event: BlobHubEvent) => void;
  onState: (state: ConnectionState, detail?: string) => void;
  /** replay from the start of the stream (seq 0) on the first connection too */
  fromStart?: boolean;
}

const bearerProtocol = (token: string) => ['authorization.bearer.base64', btoa(token).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')];

const endpoint: RealtimeEndpoint = {
  url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/realtime`,
  clientName: 'blobhub-web',
  open: async (url) => {
    const token = await accessToken();
    return browserSocket(url, token ? bearerProtocol(token) : undefined);
  },
};

/** Follows the subscription until the returned function is called, reconnecting as long as it takes. */
export function subscribeLive(opts: LiveOptions): () => void {
  const stop = new AbortController();
  const follow = async () => {
    const events = subscribe(endpoint, opts.key, {
      since: opts.fromStart ? 0 : undefined,
      signal: stop.signal,
      maxReconnects: Infinity,
      onLive: () => opts.onState('live'),
      onReconnect: () => opts.onState('reconnecting'),
    });
    try {
      for await (const event of events) opts.onEvent(event);
    } catch (error) {
      // The server refused the subscription itself (e.g. no access): retrying would not help.
      opts.onState('closed', error instanceof Error ? error.message : String(error));
    }
  };
  opts.onState('connecting');
  void follow();
  return () => stop.abort();
}
