/**
 * Entry of a sandbox process (started by isolate-process.ts): runs one JavaScript request at a
 * time, each in a fresh V8 isolate (isolate-runner.ts). The process starts with an empty
 * environment and, once everything it needs is loaded, gives up what the worker has: when started
 * as root it continues as `nobody` (no access to the worker's memory, /proc entries or files), and
 * its threads run at the sandbox's lower CPU priority.
 */
import { readdirSync } from 'node:fs';
import { setPriority } from 'node:os';
import { Worker } from 'node:worker_threads';
import { runInIsolate } from './isolate-runner';
import type { SandboxRequest } from './protocol';

const send = process.send?.bind(process);
if (!send) throw new Error('isolate-process-main.ts runs as a child process started by isolate-process.ts');
const NOBODY = 65534;
const nice = Number(process.argv[2] ?? 0);

/** Every thread of this process, on Linux (setpriority changes one thread; new ones inherit their creator's). */
function lowerPriority() {
  if (nice <= 0) return;
  try {
    for (const thread of readdirSync('/proc/self/task')) setPriority(Number(thread), nice);
  } catch {
    // not Linux: the process keeps the worker's priority
  }
}

function dropPrivileges() {
  if (process.getuid?.() !== 0) return;
  process.setgroups?.([]);
  process.setgid?.(NOBODY);
  process.setuid?.(NOBODY);
}

/**
 * Ends this process as soon as the worker that started it is gone, however it went (a SIGKILL, an
 * OOM kill): the IPC channel's disconnect reaches the main thread only between runs, and a run may
 * spin for its whole time limit. A thread of its own watches the parent (a dead parent's orphans
 * are adopted by another process, so the parent pid changes) and kills the process with its run.
 */
function exitWithParent() {
  const watch = `const { workerData } = require('node:worker_threads');
    setInterval(() => { if (process.ppid !== workerData.parent) process.kill(process.pid, 'SIGKILL'); }, workerData.everyMs);`;
  new Worker(watch, { eval: true, workerData: { parent: process.ppid, everyMs: PARENT_CHECK_MS } }).unref();
}
const PARENT_CHECK_MS = 200;

exitWithParent();
// a first run starts V8's and isolated-vm's threads, so that lowering the priority covers them all
runInIsolate({ code: '', inputs: {}, sessionObjects: {}, memoryBytes: 8 * 1024 * 1024, timeoutMs: 5000 });
lowerPriority();
dropPrivileges();
process.on('message', (request: SandboxRequest) => send(runInIsolate(request)));
// the worker is gone: nothing is left to answer
process.on('disconnect', () => process.exit(0));
send('ready');
