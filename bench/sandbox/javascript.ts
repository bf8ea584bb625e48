/**
 * JavaScript sandbox speed, part of `npm run bench:sandbox`: recursive fibonacci(30) in logic.code
 * (a fresh V8 isolate in a sandbox process) against plain Node running the same function source in
 * the same run, rounds alternating; and a trivial logic.code run's p50/p99 on a warm pool. Both go
 * through runLogicCode, as the worker calls it (fair gate, process hop, fresh isolate, compile).
 */
import { loadavg } from 'node:os';
import { runInThisContext } from 'node:vm';
import { closeSandboxThreads, runLogicCode } from '../../engines/workflow/sandbox';
import { configureSandboxPool, defaultSandboxPolicy } from '../../engines/workflow/sandbox/pool';
import { median, percentile } from '../support/stats';

const FIBONACCI = 'function fib(n) { return n < 2 ? n : fib(n - 1) + fib(n - 2) }';
const N = 30;

const run = (code: string) => runLogicCode({ code, inputs: {}, sessionObjects: {}, limits: { timeoutMs: 60_000 } });

/** fibonacci(30) in logic.code: the time the code measured around the call, and the whole run. */
async function sandboxFibonacci(): Promise<{ inside: number; whole: number }> {
  const startedAt = performance.now();
  const { outputs } = await run(
    `${FIBONACCI}\nconst started = Date.now(); const result = fib(${N});\nset_data_output('ms', create_value('integer', Date.now() - started)); set_data_output('result', create_value('integer', result))`,
  );
  const whole = performance.now() - startedAt;
  return { inside: (outputs.ms?.value as { integer: number }).integer, whole };
}

/** The same source, compiled afresh each round as the sandbox compiles it, timed around the call. */
function nodeFibonacci(): number {
  const fib = runInThisContext(`(${FIBONACCI})`) as (n: number) => number;
  const startedAt = performance.now();
  fib(N);
  return performance.now() - startedAt;
}

async function trivial(samples: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const startedAt = performance.now();
    await run("set_result('done')");
    times.push(performance.now() - startedAt);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

/** The machine's 1, 5 and 15 minute load averages (the shared machine's load drifts: it goes beside every table). */
export const loadAverage = () =>
  loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');

/**
 * The speed table, as markdown lines. The sandbox processes run at the bench's own priority here
 * (the worker lowers theirs, BLOBHUB_SANDBOX_NICE), so both sides get the same share of a busy
 * machine; they are stopped afterwards.
 */
export async function javascriptSpeed(rounds: number, samples: number): Promise<string[]> {
  configureSandboxPool({ ...defaultSandboxPolicy(), nice: 0 });
  try {
    return await measureSpeed(rounds, samples);
  } finally {
    await closeSandboxThreads();
    configureSandboxPool(defaultSandboxPolicy());
  }
}

async function measureSpeed(rounds: number, samples: number): Promise<string[]> {
  await trivial(5); // warm-up: sandbox processes started
  const sandbox = [];
  const node = [];
  for (let i = 0; i < rounds; i++) {
    sandbox.push(await sandboxFibonacci());
    node.push(nodeFibonacci());
  }
  const inside = median(sandbox.map((s) => s.inside));
  const whole = median(sandbox.map((s) => s.whole));
  const nodeMs = median(node);
  const { p50, p99 } = await trivial(samples);
  return [
    `javascript sandbox: medians of ${rounds} rounds, ${samples} trivial runs; load average ${loadAverage()}`,
    '',
    '| measure | logic.code (V8 isolate) | plain Node, same function | logic.code / Node |',
    '|---|---|---|---|',
    `| fibonacci(${N}), timed around the call | ${fmt(inside)} | ${fmt(nodeMs)} | ${(inside / nodeMs).toFixed(2)} |`,
    `| fibonacci(${N}), whole logic.code run | ${fmt(whole)} | – | ${(whole / nodeMs).toFixed(2)} |`,
    `| trivial logic.code run (\`set_result('done')\`) p50 / p99 | ${fmt(p50)} / ${fmt(p99)} | – | – |`,
  ];
}
