/**
 * The baseline of the realtime benchmark: a bare `ws` server that LISTENs on the same channel and
 * broadcasts every notified event to every client as the same `subscription/event` frame the
 * platform sends (one encoding per event), without authentication, access checks, subscriptions,
 * seq ordering or flow control. It answers every JSON-RPC request `{}` so the same subscriber
 * process can connect to it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import postgres from 'postgres';
import { WebSocketServer, type WebSocket } from 'ws';
import { EVENTS_CHANNEL, parseEventNotification } from '../../core/events';
import { eventNotification, keyParamsJson, resultFrame, type SubscriptionKey } from '../../apps/api/realtime/protocol';

export async function startBareRealtimeServer(databaseUrl: string, key: SubscriptionKey) {
  const keyParams = keyParamsJson(key);
  const clients = new Set<WebSocket>();
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('message', (data: Buffer) => ws.send(resultFrame((JSON.parse(data.toString()) as { id: number }).id, {})));
  });
  const listener = postgres(databaseUrl, { max: 1, onnotice: () => {} });
  await listener.listen(EVENTS_CHANNEL, (payload) => {
    for (const row of parseEventNotification(payload)) {
      if (typeof row === 'string') continue; // the benchmark's events always fit in the payload
      const frame = eventNotification(row, keyParams);
      for (const ws of clients) ws.send(frame, { binary: false });
    }
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `ws://127.0.0.1:${(http.address() as AddressInfo).port}`,
    async close() {
      for (const ws of clients) ws.terminate();
      wss.close();
      http.close();
      await listener.end({ timeout: 1 });
    },
  };
}
