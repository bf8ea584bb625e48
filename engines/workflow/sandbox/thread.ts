/**
 * Entry of a sandbox thread. It loads the QuickJS WASM module once and then runs one request at a
 * time, each in a fresh runtime. If QuickJS ever fails on the host side (not a JS error inside the
 * sandbox), the module's state can no longer be trusted: the thread reports and exits, and the pool
 * starts a new one.
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { getQuickJS } from 'quickjs-emscripten';
import type { SandboxOutcome, SandboxRequest } from './protocol';
import { runInQuickJS } from './quickjs-runner';

const port = parentPort;
if (!port) throw new Error('thread.ts runs as a worker thread started by pool.ts');

/**
 * Runs this thread at a lower CPU priority than the rest of the worker (Temporal polling,
 * database I/O, event recording), so that spinning user code leaves the cores to everyone
 * else's short work. On Linux a thread's id is a valid target for setpriority.
 */
function lowerPriority(nice: number) {
  if (nice <= 0) return;
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), nice);
  } catch {
    // not Linux: the thread keeps the process's priority
  }
}
lowerPriority((workerData as { nice?: number } | undefined)?.nice ?? 0);
const quickjs = await getQuickJS();

port.on('message', (request: SandboxRequest) => {
  let outcome: SandboxOutcome;
  let broken = false;
  try {
    outcome = runInQuickJS(quickjs, request);
  } catch (e) {
    broken = true;
    const reason = e instanceof RangeError ? 'the code ran out of stack' : 'the sandbox failed';
    outcome = { ok: false, kind: e instanceof RangeError ? 'memory' : 'exception', message: `${reason} (${(e as Error).message})`, logs: [] };
  }
  port.postMessage(outcome);
  if (broken) process.exit(1);
});
port.postMessage('ready');
