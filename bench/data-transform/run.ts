/**
 * data.transform benchmark (not a test): what evaluating JSONata in its own thread costs and buys.
 *  - latency: p50/p99 of one evaluation of a typical reshaping expression through the thread
 *    (evaluateJsonata, as the component runs it) against JSONata called inline in this process;
 *  - the worker's event loop while a runaway expression spins for its 1 s limit: the longest
 *    delay of a 10 ms timer with the expression in the thread against the same expression inline.
 *
 *   npm run bench:data-transform          # BENCH_SAMPLES=300
 */
import jsonata from 'jsonata';
import { evaluateJsonata, type Evaluation } from '../../engines/workflow/components/jsonata-thread';
import { percentile } from '../support/stats';

const samples = Number(process.env.BENCH_SAMPLES ?? 300);
const options = { timeout: 1000, stack: 500, sequence: 1_000_000 };
const orders = Array.from({ length: 200 }, (_, i) => ({ id: i, customer: `c${i % 7}`, total: i * 3 }));
const typical: Evaluation = {
  expression: '{ "customers": $distinct(orders.customer), "total": $sum(orders[customer = $who].total) }',
  input: { orders },
  bindings: { who: 'c3' },
  options,
};
const runaway: Evaluation = { expression: '($loop := function($n) { $loop($n + 1) }; $loop(0))', input: null, bindings: {}, options };
const never = new AbortController().signal;

async function timed(samples: number, evaluate: () => Promise<unknown>): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < samples; i++) {
    const started = performance.now();
    await evaluate();
    ms.push(performance.now() - started);
  }
  return ms.sort((a, b) => a - b);
}

/** The longest gap (ms) between ticks of a 10 ms timer of this process while `evaluate` runs. */
async function loopDelayDuring(evaluate: () => Promise<unknown>): Promise<number> {
  let last = performance.now();
  let longest = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last - 10);
    last = now;
  }, 10);
  await evaluate().catch(() => {});
  // one more tick, which a blocked loop owes
  await new Promise((resolve) => setTimeout(resolve, 30));
  clearInterval(ticker);
  return longest;
}

const inline = (job: Evaluation) => jsonata(job.expression, job.options).evaluate(job.input, job.bindings);

await evaluateJsonata(typical, never); // the thread starts once per process
const threaded = await timed(samples, () => evaluateJsonata(typical, never));
const inlined = await timed(samples, () => inline(typical));
const fmt = (xs: number[]) => `p50 ${percentile(xs, 50).toFixed(2)} ms, p99 ${percentile(xs, 99).toFixed(2)} ms`;
console.log(`typical expression over 200 orders, ${samples} evaluations`);
console.log(`  in the JSONata thread: ${fmt(threaded)}`);
console.log(`  inline (baseline):     ${fmt(inlined)}`);
console.log('runaway expression (1 s limit): longest event-loop delay of this process');
console.log(`  in the JSONata thread: ${(await loopDelayDuring(() => evaluateJsonata(runaway, never))).toFixed(0)} ms`);
console.log(`  inline (baseline):     ${(await loopDelayDuring(() => inline(runaway))).toFixed(0)} ms`);
