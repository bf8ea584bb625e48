/**
 * Entry of a Python sandbox thread. It loads Pyodide on its first run and keeps it warm, then runs
 * one request at a time (JavaScript runs in sandbox processes instead: isolate-process.ts).
 */
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { PYTHON_STARTED, type SandboxOutcome, type SandboxRequest } from './protocol';
import { checkPythonSyntax, holdsTooMuchMemory, runInPython, warmPython, type WarmPython } from './python/runtime';

if (!parentPort) throw new Error('thread.ts runs as a worker thread started by pool.ts');
const port = parentPort;

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
const { nice, interrupt } = workerData as { nice: number; interrupt: Int32Array };
lowerPriority(nice);
/** Loaded on this thread's first Python run, then kept warm. */
let python: Promise<WarmPython> | null = null;

port.on('message', (request: SandboxRequest) => void answerPython(request));
port.postMessage('ready');

async function answerPython(request: SandboxRequest) {
  let outcome: SandboxOutcome;
  try {
    const warm = await (python ??= warmPython(interrupt));
    port.postMessage(PYTHON_STARTED);
    outcome = request.checkOnly ? checkPythonSyntax(warm, request.code) : runInPython(warm, request, interrupt);
    // wasm memory never shrinks: an interpreter that grew a lot is dropped, the next run loads a new one
    if (holdsTooMuchMemory(warm)) python = null;
  } catch (e) {
    // Pyodide failed to load or failed on the host side: its state can no longer be trusted
    outcome = { ok: false, kind: 'exception', message: `the Python sandbox failed (${(e as Error).message})`, logs: [] };
    python = null;
  }
  port.postMessage(outcome);
}
