/**
 * The load generator of bench/api/run.ts, in its own process so that it does not share an event
 * loop (or a core) with the servers it measures. Reads a scenario as JSON from argv, runs
 * autocannon, prints {rps, p50, p99, errors, non2xx} as JSON.
 */
import autocannon from 'autocannon';

interface Scenario {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  /** the same body on every request */
  body?: string;
  /** POST bodies get a unique blob name per request */
  createBlob?: boolean;
  connections: number;
  durationSeconds: number;
}

const [, , scenarioJson] = process.argv;
if (!scenarioJson) throw new Error('usage: load.ts <scenario JSON>');
const scenario = JSON.parse(scenarioJson) as Scenario;
let counter = 0;
const runId = Date.now().toString(36);

const result = await autocannon({
  url: scenario.url,
  connections: scenario.connections,
  duration: scenario.durationSeconds,
  requests: [
    {
      method: scenario.method,
      headers: scenario.headers,
      body: scenario.body,
      setupRequest: (req) =>
        scenario.createBlob ? { ...req, body: JSON.stringify({ name: `b-${runId}-${process.pid}-${++counter}`, type: 'workflow' }) } : req,
    },
  ],
});

console.log(
  JSON.stringify({
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    total: result.requests.total,
  }),
);
