/**
 * The sandbox pool: one slot per run, never on the caller's event loop.
 *  - JavaScript runs in sandbox processes (isolate-process.ts), each running one run at a time in a
 *    fresh V8 isolate, away from the worker's memory and secrets;
 *  - Python runs in worker threads (thread.ts), each with one warm Pyodide interpreter, because a
 *    native operation inside the interpreter does not check the deadline (a watchdog terminates the
 *    thread) and its deep recursion needs the thread's large native stack.
 * Both are reused and replaced when they die. Who gets a slot, and when, is the FairGate's decision
 * (fair-gate.ts): the slots are shared by both languages.
 */
import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runsCompiled } from '../../../core/build-mode';
import { FairGate, type QueueReason, type SandboxPolicy, type SlotRequest } from './fair-gate';
import { IsolateProcess } from './isolate-process';
import { registerSandboxMetrics } from './metrics';
import { PYTHON_STARTED, WATCHDOG_GRACE_MS, type SandboxLanguage, type SandboxOutcome, type SandboxRequest } from './protocol';

export const defaultSandboxPolicy = (): SandboxPolicy => ({
  threads: Math.max(1, Math.min(4, availableParallelism())),
  orgConcurrency: 2,
  longRunMs: 5000,
  reservedShortThreads: 1,
  nice: 10,
});
/** Native stack of a sandbox thread: room for the interpreter's native recursion. */
const THREAD_STACK_MB = 64;
/** How long a thread may take to load Python (its first Python run) before its run's clock starts. */
const PYTHON_WARMUP_MS = 120_000;
/** Pyodide's interrupt buffer holds a signal number; SIGINT raises KeyboardInterrupt in the code. */
const SIGINT = 2;

const threadUrl = new URL('./thread.ts', import.meta.url).href;
/** The compiled thread entry beside the compiled worker (scripts/build.mjs). */
const compiledThreadUrl = new URL('../../../dist/sandbox-thread.js', import.meta.url).href;
// From source the thread's entry is TypeScript: load it through tsx's ESM API (the CJS build of
// that API cannot load it from an eval'd worker), whatever runner started this process.
const tsxBootstrap = () => {
  const tsxApiUrl = pathToFileURL(
    createRequire(import.meta.url)
      .resolve('tsx/esm/api')
      .replace(/\.cjs$/, '.mjs'),
  ).href;
  return `import(${JSON.stringify(tsxApiUrl)}).then((tsx) => tsx.tsImport(${JSON.stringify(threadUrl)}, ${JSON.stringify(threadUrl)}))`;
};
const bootstrap = runsCompiled ? `import(${JSON.stringify(compiledThreadUrl)})` : tsxBootstrap();

class SandboxThread {
  private readonly worker: Worker;
  private readonly started: Promise<void>;
  private pending: ((outcome: SandboxOutcome) => void) | null = null;
  private lastError: unknown = null;
  /** Shared with the thread: set at the deadline, Python code stops with KeyboardInterrupt. */
  private readonly interrupt = new Int32Array(new SharedArrayBuffer(4));
  alive = true;

  constructor(onExit: (thread: SandboxThread) => void, nice: number) {
    const workerData = { nice, interrupt: this.interrupt };
    this.worker = new Worker(bootstrap, { eval: true, workerData, resourceLimits: { stackSizeMb: THREAD_STACK_MB } });
    this.started = new Promise((resolve, reject) => {
      this.worker.once('message', () => resolve());
      this.worker.once('exit', () => reject(new Error(`sandbox thread failed to start: ${String(this.lastError)}`)));
    });
    this.started.catch(() => {});
    this.worker.on('error', (e) => (this.lastError = e));
    this.worker.on('exit', () => {
      this.alive = false;
      this.settle(stoppedOutcome(this.lastError));
      onExit(this);
    });
  }

  async run(request: SandboxRequest): Promise<SandboxOutcome> {
    await this.started;
    this.worker.ref();
    try {
      return await new Promise<SandboxOutcome>((resolve) => {
        const timers = [setTimeout(() => void this.stop(), request.timeoutMs + WATCHDOG_GRACE_MS + PYTHON_WARMUP_MS)];
        // Python's clock starts once the interpreter is warm: interrupt at the deadline, terminate after the grace
        const startClock = () => {
          timers.forEach(clearTimeout);
          timers.splice(
            0,
            timers.length,
            setTimeout(() => Atomics.store(this.interrupt, 0, SIGINT), request.timeoutMs),
            setTimeout(() => void this.stop(), request.timeoutMs + WATCHDOG_GRACE_MS),
          );
        };
        const onMessage = (message: SandboxOutcome | typeof PYTHON_STARTED) => (message === PYTHON_STARTED ? startClock() : this.settle(message));
        this.pending = (outcome) => (timers.forEach(clearTimeout), this.worker.off('message', onMessage), resolve(outcome));
        this.worker.on('message', onMessage);
        this.worker.postMessage(request);
      });
    } finally {
      this.worker.unref();
    }
  }

  /** Ends the thread; a run in progress ends with `outcome` (by default: the watchdog's timeout). */
  stop(outcome: SandboxOutcome = { ok: false, kind: 'timeout', message: 'the code ran past its time limit', logs: [] }): Promise<number> {
    this.alive = false;
    this.settle(outcome);
    return this.worker.terminate();
  }

  private settle(outcome: SandboxOutcome): void {
    const resolve = this.pending;
    this.pending = null;
    resolve?.(outcome);
  }
}

function stoppedOutcome(error: unknown): SandboxOutcome {
  const outOfStack = error instanceof RangeError;
  return { ok: false, kind: outOfStack ? 'memory' : 'exception', message: `the sandbox stopped unexpectedly${error ? ` (${String(error)})` : ''}`, logs: [] };
}

/** What runs one request at a time: a sandbox process (JavaScript) or thread (Python). */
type SandboxHost = SandboxThread | IsolateProcess;

const hosts = new Set<SandboxHost>();
const idle = { javascript: [] as IsolateProcess[], python: [] as SandboxThread[] };
let policy = defaultSandboxPolicy();
const gate = new FairGate(policy);
const metrics = registerSandboxMetrics(gate);

/** Sets the pool's size and fairness rules (the worker does, from its configuration). */
export function configureSandboxPool(next: SandboxPolicy): void {
  policy = next;
  gate.configure(policy);
}

function forget(host: SandboxHost): void {
  hosts.delete(host);
  for (const list of [idle.javascript, idle.python] as SandboxHost[][]) {
    const idleAt = list.indexOf(host);
    if (idleAt >= 0) list.splice(idleAt, 1);
  }
}

/**
 * Admitted runs never outnumber the gate's slots, so a run either finds an idle host of its language
 * or may start one: at most as many processes, and as many threads, as slots.
 */
function acquire(language: SandboxLanguage): SandboxHost {
  const host =
    language === 'python' ? (idle.python.pop() ?? new SandboxThread(forget, policy.nice)) : (idle.javascript.pop() ?? new IsolateProcess(forget, policy.nice));
  hosts.add(host);
  return host;
}

function release(host: SandboxHost): void {
  if (!host.alive) return;
  if (host instanceof IsolateProcess) idle.javascript.push(host);
  else idle.python.push(host);
}

const cancelled: SandboxOutcome = { ok: false, kind: 'exception', message: 'the run was cancelled', logs: [] };

/**
 * Runs a request once the gate admits it. The time the run waited counts against its time limit
 * (the component's timeout covers the wait); a cancelled run stops its thread at once.
 */
export async function runInSandboxThread(
  request: SandboxRequest,
  slot: Omit<SlotRequest, 'timeoutMs'> & { onStarted?: () => void } = {},
): Promise<SandboxOutcome> {
  let queuedFor: QueueReason | 'none' = 'none';
  const onQueued = (reason: QueueReason) => ((queuedFor = reason), slot.onQueued?.(reason));
  const admission = await gate.enter({ ...slot, onQueued, timeoutMs: request.timeoutMs });
  metrics.observeWait(queuedFor, admission.waitedMs);
  try {
    const timeoutMs = request.timeoutMs - admission.waitedMs;
    if (timeoutMs <= 0) return { ok: false, kind: 'timeout', message: 'the code waited for a sandbox thread for its whole time limit', logs: [] };
    if (slot.signal?.aborted) return cancelled;
    slot.onStarted?.();
    const host = acquire(request.language ?? 'javascript');
    const stop = () => void host.stop(cancelled);
    slot.signal?.addEventListener('abort', stop, { once: true });
    try {
      return await host.run({ ...request, timeoutMs });
    } finally {
      slot.signal?.removeEventListener('abort', stop);
      release(host);
    }
  } finally {
    admission.leave();
  }
}

/** Stops every sandbox process and thread (for a clean shutdown; new runs start fresh ones). */
export async function closeSandboxThreads(): Promise<void> {
  await Promise.all([...hosts].map((host) => host.stop()));
}
