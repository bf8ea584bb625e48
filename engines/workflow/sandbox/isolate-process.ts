/**
 * A sandbox process: the worker's side of one child process that runs JavaScript in V8 isolates
 * (isolate-process-main.ts), one run at a time. Isolates live in their own process, not in the
 * worker, because
 *  - a JIT is a large attack surface: code that escaped an isolate would find the worker's secrets
 *    (database and Temporal credentials, API keys) in the same address space; the sandbox process
 *    has none of them (empty environment, no connections, and `nobody` when the worker is root);
 *  - V8 aborts the whole process on some heap exhaustion paths isolated-vm cannot catch (e.g.
 *    `new Array(1e9).fill(1)`): that ends this process and its one run, never the worker;
 *  - a watchdog can always stop a run from outside by killing the process.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runsCompiled } from '../../../core/build-mode';
import { WATCHDOG_GRACE_MS, type SandboxOutcome, type SandboxRequest } from './protocol';

/** What V8 writes to stderr when it aborts because a heap is exhausted. */
const OUT_OF_MEMORY = /out of memory|is_heap_oom = 1/i;
const STDERR_TAIL_CHARS = 4096;
/** A run stopped by the watchdog that grew the process by this share of its memory limit ran out of memory. */
const NEAR_MEMORY_LIMIT = 0.75;

/**
 * The child's entry and Node flags: compiled, dist/sandbox-process.js beside the compiled worker
 * (scripts/build.mjs); from source the entry is TypeScript, loaded through tsx's ESM hooks
 * whatever runner started this process. isolated-vm needs Node's startup snapshot off (Node ≥ 20).
 */
function childEntry(): { entry: string; execArgv: string[] } {
  if (runsCompiled) return { entry: fileURLToPath(new URL('../../../dist/sandbox-process.js', import.meta.url)), execArgv: ['--no-node-snapshot'] };
  const tsxEsm = pathToFileURL(createRequire(import.meta.url).resolve('tsx/esm')).href;
  return { entry: fileURLToPath(new URL('./isolate-process-main.ts', import.meta.url)), execArgv: ['--no-node-snapshot', '--import', tsxEsm] };
}
const { entry, execArgv } = childEntry();

export class IsolateProcess {
  private readonly child: ChildProcess;
  private readonly started: Promise<void>;
  private readonly exited: Promise<void>;
  private pending: ((outcome: SandboxOutcome) => void) | null = null;
  /** The end of what the process wrote to stderr: V8's reason when it aborts. */
  private stderrTail = '';
  alive = true;
  private hasEnded = false;

  constructor(onExit: (process: IsolateProcess) => void, nice: number) {
    this.child = fork(entry, [String(nice)], {
      execArgv,
      env: {},
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.stderrTail = (this.stderrTail + chunk).slice(-STDERR_TAIL_CHARS)));
    let failStart: (error: Error) => void = () => {};
    this.started = new Promise((resolve, reject) => {
      this.child.once('message', () => resolve());
      failStart = reject;
    });
    this.started.catch(() => {});
    let markExited: () => void = () => {};
    this.exited = new Promise((resolve) => (markExited = resolve));
    // the end of the process, once: it exited, or it could not be started at all
    const end = (outcome: SandboxOutcome) => {
      if (this.hasEnded) return;
      this.hasEnded = true;
      this.alive = false;
      const lastWords = this.stderrTail.trim().split('\n').pop();
      failStart(new Error(`sandbox process failed to start: ${outcome.ok ? '' : outcome.message}${lastWords ? `; ${lastWords}` : ''}`));
      this.settle(outcome);
      markExited();
      onExit(this);
    };
    this.child.on('exit', (code, signal) => end(this.stoppedOutcome(code, signal)));
    this.child.on('error', (error) => (this.child.pid === undefined ? end(this.stoppedOutcome(null, null, error)) : this.child.kill('SIGKILL')));
    this.idle();
  }

  async run(request: SandboxRequest): Promise<SandboxOutcome> {
    this.busy();
    try {
      await this.started;
      return await new Promise<SandboxOutcome>((resolve) => {
        const memoryAtStart = this.residentBytes();
        const watchdog = setTimeout(() => void this.stop(this.overrunOutcome(request, memoryAtStart)), request.timeoutMs + WATCHDOG_GRACE_MS);
        const onMessage = (outcome: SandboxOutcome) => this.settle(outcome);
        this.pending = (outcome) => (clearTimeout(watchdog), this.child.off('message', onMessage), resolve(outcome));
        this.child.on('message', onMessage);
        // a process that died just now: its exit settles the run
        this.child.send(request, (error) => error && this.child.kill('SIGKILL'));
      });
    } finally {
      this.idle();
    }
  }

  /** Ends the process; a run in progress ends with `outcome` (by default: the watchdog's timeout). */
  async stop(outcome: SandboxOutcome = { ok: false, kind: 'timeout', message: 'the code ran past its time limit', logs: [] }): Promise<void> {
    this.alive = false;
    this.settle(outcome);
    // referenced until it has exited, so that a caller awaiting this keeps its process running
    this.busy();
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /**
   * Why a run did not stop at its deadline. V8 cannot stop inside one long runtime call, and a heap
   * at its limit can keep such a call collecting garbage for seconds before V8 gives up: a run that
   * grew the process by most of its memory limit was stopped for memory, not time.
   */
  private overrunOutcome(request: SandboxRequest, memoryAtStart: number | null): SandboxOutcome {
    const now = this.residentBytes();
    if (memoryAtStart !== null && now !== null && now - memoryAtStart >= request.memoryBytes * NEAR_MEMORY_LIMIT)
      return { ok: false, kind: 'memory', message: 'the code ran out of memory (it held most of its memory limit when its time ran out)', logs: [] };
    return { ok: false, kind: 'timeout', message: 'the code ran past its time limit', logs: [] };
  }

  /** The process's resident memory (Linux; null elsewhere). */
  private residentBytes(): number | null {
    try {
      const kib = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.child.pid}/status`, 'utf8'));
      return kib ? Number(kib[1]) * 1024 : null;
    } catch {
      return null;
    }
  }

  /** An idle process does not keep the worker running; a busy one does. */
  private idle() {
    this.child.unref();
    this.child.channel?.unref();
    // piped stderr is a socket: it would keep the worker running too
    (this.child.stderr as Socket | null)?.unref();
  }

  private busy() {
    this.child.ref();
    this.child.channel?.ref();
  }

  private settle(outcome: SandboxOutcome): void {
    const resolve = this.pending;
    this.pending = null;
    resolve?.(outcome);
  }

  private stoppedOutcome(code: number | null, signal: NodeJS.Signals | null, error?: Error): SandboxOutcome {
    if (OUT_OF_MEMORY.test(this.stderrTail)) return { ok: false, kind: 'memory', message: 'the code ran out of memory (its heap reached the limit)', logs: [] };
    const why = error?.message ?? signal ?? `exit code ${code}`;
    return { ok: false, kind: 'exception', message: `the sandbox stopped unexpectedly (${why})`, logs: [] };
  }
}
