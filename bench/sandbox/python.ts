/**
 * Python sandbox benchmark (not a test): logic.code's Python (CPython/WASM in a warm sandbox thread)
 * against native CPython (`python3`) in the same run.
 *  - compute: recursive fibonacci(25), timed inside Python on both sides (no process start-up);
 *    the sandbox row also shows the whole run as the worker sees it (thread hop, memory restore);
 *  - a trivial component (`set_result('done')`) on a warm pool, p50/p99, beside JavaScript's.
 *
 *   npm run bench:sandbox-python                # BENCH_SAMPLES=30
 */
import { execFileSync } from 'node:child_process';
import { closeSandboxThreads, runLogicCode, type SandboxLanguage } from '../../engines/workflow/sandbox';
import { median, percentile } from '../support/stats';

const samples = Number(process.env.BENCH_SAMPLES ?? 30);

const FIBONACCI = `
import time
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
started = time.perf_counter()
result = fib(25)
elapsed_ms = (time.perf_counter() - started) * 1000
`;

const python = (code: string) => runLogicCode({ language: 'python', code, inputs: {}, sessionObjects: {}, limits: { timeoutMs: 60_000 } });

/** fibonacci(25) in the sandbox: the time Python measured, and the whole run. */
async function sandboxFibonacci(): Promise<{ inside: number; run: number }> {
  const startedAt = performance.now();
  const { outputs } = await python(`${FIBONACCI}\nset_data_output('ms', create_value('float', elapsed_ms))`);
  const run = performance.now() - startedAt;
  return { inside: (outputs.ms?.value as { float: number }).float, run };
}

function nativeFibonacci(): number {
  return Number(execFileSync('python3', ['-c', `${FIBONACCI}\nprint(elapsed_ms)`], { encoding: 'utf8' }).trim());
}

async function trivial(language: SandboxLanguage): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < samples; i++) {
    const startedAt = performance.now();
    await runLogicCode({ language, code: "set_result('done')", inputs: {}, sessionObjects: {} });
    times.push(performance.now() - startedAt);
  }
  times.sort((a, b) => a - b);
  return { p50: percentile(times, 50), p99: percentile(times, 99) };
}

const fmt = (ms: number) => `${ms.toFixed(1)} ms`;

try {
  const warmUpStarted = performance.now();
  await python('pass');
  const warmUp = performance.now() - warmUpStarted;
  const rounds = Math.max(3, Math.round(samples / 6));
  const sandbox = [];
  const native = [];
  for (let i = 0; i < rounds; i++) {
    sandbox.push(await sandboxFibonacci());
    native.push(nativeFibonacci());
  }
  const inside = median(sandbox.map((s) => s.inside));
  const whole = median(sandbox.map((s) => s.run));
  const nativeMs = median(native);
  const py = await trivial('python');
  const js = await trivial('javascript');
  console.log(`\npython sandbox: first run of a thread (loads Pyodide) ${fmt(warmUp)}; medians of ${rounds} rounds, ${samples} trivial runs\n`);
  console.log('| measure | sandbox | native CPython | sandbox / native |');
  console.log('|---|---|---|---|');
  console.log(`| fibonacci(25), timed in Python | ${fmt(inside)} | ${fmt(nativeMs)} | ${(inside / nativeMs).toFixed(2)} |`);
  console.log(`| fibonacci(25), whole sandbox run | ${fmt(whole)} | – | ${(whole / nativeMs).toFixed(2)} |`);
  console.log(`| trivial component p50 / p99 (Python) | ${fmt(py.p50)} / ${fmt(py.p99)} | – | – |`);
  console.log(`| trivial component p50 / p99 (JavaScript) | ${fmt(js.p50)} / ${fmt(js.p99)} | – | – |`);
} finally {
  await closeSandboxThreads();
}
