/**
 * The subscriber side of the realtime benchmark, run as its own process so that the clients do not
 * share the server's event loop. Driven over IPC by run.ts:
 *   {connect: {url, key, subscriptions, count}} → {ready} (every client subscribes to all of them)
 *   {count} → {count: frames received so far}
 *   {report: {commits: {event id: commit time}}} → {report: {received, p50, p99, max, closedEarly}}
 * Each client finds the event id in the frame's bytes (no full JSON.parse) to keep the
 * load generator light and notes the arrival time; latency = arrival − the event's commit time.
 */
import WebSocket from 'ws';
import { percentile } from '../support/stats';

interface Connect {
  url: string;
  key: string;
  subscriptions: Record<string, unknown>[];
  count: number;
}

let arrivals = new Map<string, number[]>();
let closedEarly = 0;
const sockets: WebSocket[] = [];

/** One client with all its subscriptions answered. */
const EVENT_ID_AT = Buffer.from('"event":{"id":"');
const EVENT_ID_LENGTH = 'evt_'.length + 26;

/** The event id of a `subscription/event` frame, found without decoding the whole frame. */
function eventIdOf(frame: Buffer): string | undefined {
  const at = frame.indexOf(EVENT_ID_AT);
  return at < 0 ? undefined : frame.toString('latin1', at + EVENT_ID_AT.length, at + EVENT_ID_AT.length + EVENT_ID_LENGTH);
}

/** One client with all its subscriptions answered. */
function open({ url, key, subscriptions }: Connect): Promise<WebSocket> {
  const ws = new WebSocket(url, { headers: { 'x-api-key': key }, skipUTF8Validation: true, perMessageDeflate: false });
  let answered = 0;
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.on('close', (code) => code !== 1000 && code !== 1005 && closedEarly++);
    ws.on('message', (data: Buffer) => {
      const id = eventIdOf(data);
      if (id) {
        const times = arrivals.get(id) ?? [];
        times.push(Date.now());
        arrivals.set(id, times);
        return;
      }
      if (!JSON.parse(data.toString()).result) return reject(new Error(`subscription refused: ${data.toString()}`));
      if (++answered === subscriptions.length) resolve(ws);
    });
    ws.once('open', () => {
      subscriptions.forEach((params, i) => ws.send(JSON.stringify({ jsonrpc: '2.0', id: i + 1, method: 'subscription/add', params })));
    });
  });
}

function summarize(commits: Record<string, number>) {
  const latencies: number[] = [];
  for (const [id, times] of arrivals) for (const t of times) latencies.push(t - (commits[id] ?? NaN));
  const sorted = Float64Array.from(latencies).sort();
  return { received: sorted.length, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: percentile(sorted, 100), closedEarly };
}

async function answer(message: { connect?: Connect; count?: true; report?: { commits: Record<string, number> }; stop?: true }) {
  if (message.connect) {
    for (let i = 0; i < message.connect.count; i += 100) {
      const batch = Math.min(100, message.connect.count - i);
      sockets.push(...(await Promise.all(Array.from({ length: batch }, () => open(message.connect!)))));
    }
    process.send!({ ready: true });
  } else if (message.count) {
    let received = 0;
    for (const times of arrivals.values()) received += times.length;
    process.send!({ count: received });
  } else if (message.report) {
    process.send!({ report: summarize(message.report.commits) });
    arrivals = new Map();
  } else if (message.stop) {
    for (const ws of sockets) ws.close();
    process.exit(0);
  }
}
process.on('message', (message: { connect?: Connect; count?: true; report?: { commits: Record<string, number> }; stop?: true }) => void answer(message));
