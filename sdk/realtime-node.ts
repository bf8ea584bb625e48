/** The realtime socket in Node (CLI, tests): the `ws` package, with the credential in headers. */
import WebSocket from 'ws';
import { ConnectionError } from './errors';
import { FrameQueue, RealtimeRefusal, type RealtimeSocket } from './realtime';

export function nodeSocket(url: string, headers: Record<string, string>): Promise<RealtimeSocket> {
  const ws = new WebSocket(url, { headers });
  // Listening from the start: nothing sent between the handshake and the first read is lost.
  const frames = new FrameQueue();
  ws.on('message', (data: WebSocket.RawData) => frames.push(String(data)));
  ws.once('close', () => frames.end());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ send: (text) => ws.send(text), nextFrame: () => frames.next(), close: () => ws.close() }));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      const status = res.statusCode ?? 0;
      if (status === 401) reject(new RealtimeRefusal('unauthenticated', 'the realtime server refused the credential', undefined, status));
      else if (status === 403) reject(new RealtimeRefusal('forbidden', 'the realtime server refused the connection', undefined, status));
      else reject(new ConnectionError(url, new Error(`handshake answered HTTP ${status}`)));
    });
    ws.once('error', (error) => reject(new ConnectionError(url, error)));
  });
}
