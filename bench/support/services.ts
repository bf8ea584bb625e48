/**
 * Production shape for benchmarks: BlobHub's API and worker (and a baseline's worker) as their own
 * processes, and the CPU time a set of process trees used, read from /proc (Linux).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { freePort, repoRoot, waitForPort } from '../../apps/dev/processes';
import path from 'node:path';

/** With BENCH_CPU_PROFILE_DIR set, every forked process writes a V8 CPU profile there when it exits. */
const profiling = process.env.BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : [];

/** A TypeScript entry point forked with tsx; stopped (SIGTERM) when this process exits. */
export function forkScript(script: string, args: string[] = [], env: Record<string, string> = {}): ChildProcess {
  const child = fork(path.join(repoRoot, script), args, {
    execArgv: ['--import', 'tsx', ...profiling],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  child.stdout!.pipe(process.stderr); // the services' logs (e.g. Temporal's warnings) go with the benchmark's own
  process.once('exit', () => child.kill('SIGTERM'));
  return child;
}

/** Resolves on the child's first IPC message with `key`. */
export function messageFrom(child: ChildProcess, key: string): Promise<void> {
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`child exited (${code}) before sending ${key}`)));
    child.on('message', (m: Record<string, unknown>) => key in m && resolve());
  });
}

/** `npm run api` (no worker in it) on the platform's database and Temporal; resolves with its URL once it listens. */
export async function startApiProcess(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const port = await freePort();
  const child = forkScript('apps/api/main.ts', [], { ...env, BLOBHUB_HTTP_PORT: String(port), BLOBHUB_RUN_WORKER: 'false' });
  await waitForPort(port, child, 120_000, 'api');
  return { child, url: `http://127.0.0.1:${port}` };
}

/** `npm run worker` on the platform's environment; resolves once it polls (its log line). */
export async function startWorkerProcess(env: Record<string, string>): Promise<ChildProcess> {
  const child = forkScript('apps/worker/main.ts', [], env);
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the worker exited (${code}) before polling`)));
    child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('worker polling') && resolve());
  });
  return child;
}

const TICK_MS = 1000 / 100; // USER_HZ is 100 on Linux

/** Every live process id with its parent, from /proc. */
function processTable(): Map<number, number> {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // the command name may hold spaces and parentheses: fields start after the last ')'
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  return parents;
}

function cpuTicksOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime, stime, cutime, cstime: its own CPU and that of its children that ended
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
  } catch {
    return 0;
  }
}

/** CPU milliseconds (user + system) used so far by the processes and all their descendants. */
export function cpuMsOfTrees(roots: number[]): number {
  const parents = processTable();
  const inTree = new Set(roots);
  // parents come before children in pid order only mostly: repeat until nothing is added
  for (let added = true; added;) {
    added = false;
    for (const [pid, parent] of parents) {
      if (!inTree.has(pid) && inTree.has(parent)) {
        inTree.add(pid);
        added = true;
      }
    }
  }
  let ticks = 0;
  for (const pid of inTree) ticks += cpuTicksOf(pid);
  return ticks * TICK_MS;
}

export const loadAverage = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(', ');
