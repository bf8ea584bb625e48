/**
 * Issue 26: child processes never outlive their worker. A worker SIGKILLed (an OOM kill, a node
 * lost) while its sandbox process spins in a user's loop takes that process with it at once, not
 * when the run's time limit would have ended the loop.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { startWorkerProcess, type BlobHubProcess } from '../../test/support/processes';
import { comp, definition, flow, newWorkflowBlob, run, start, upload } from '../../test/support/workflow';

let p: TestPlatform;
let worker: BlobHubProcess | undefined;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
}, 180_000);
afterAll(async () => {
  await worker?.kill();
  await p?.close();
});

/** The parent pid and state of a process (Linux /proc), or undefined once it is gone. */
function processStat(pid: number): { ppid: number; state: string } | undefined {
  try {
    // after "pid (comm) ": state, ppid, …; comm may hold spaces and parentheses
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(ppid), state: state ?? '' };
  } catch {
    return undefined;
  }
}

/** A process that has exited: gone, or a zombie nobody has reaped yet (it runs nothing). */
const ended = (pid: number) => {
  const stat = processStat(pid);
  return !stat || stat.state === 'Z';
};

/** The sandbox processes a worker started: its children running the sandbox's entry. */
function sandboxChildren(workerPid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => processStat(pid)?.ppid === workerPid)
    .filter((pid) => {
      try {
        return /isolate-process-main|sandbox-process/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
      } catch {
        return false;
      }
    });
}

async function eventually<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`never: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

it('ends the sandbox process running a user loop as soon as its worker is SIGKILLed', async () => {
  // one sandbox slot, so that the loop runs in the process a first run started
  worker = await startWorkerProcess({ ...p.env, BLOBHUB_SANDBOX_THREADS: '1' });
  const workerPid = worker.child.pid!;
  const { revisionId: rev } = await newWorkflowBlob(p.admin, 'orphans');
  const code = (source: string, timeoutMs: number) =>
    definition(
      [comp('s', 'flow.start'), comp('c', 'logic.code', { code: source }, { timeout_ms: timeoutMs }), comp('e', 'flow.end')],
      [flow('s', 'c'), flow('c', 'e')],
    );
  await upload(p.admin, rev, 'quick', code('1', 5_000));
  // a minute to spin: without the fix its process would live on until this limit ends the loop
  await upload(p.admin, rev, 'spin', code('while (true) {}', 60_000));

  expect((await run(p.admin, rev, 'quick')).status).toBe('completed');
  const [sandbox] = sandboxChildren(workerPid);
  expect(sandbox, 'the sandbox process of the first run').toBeDefined();
  await start(p.admin, rev, 'spin');
  // an idle sandbox process sleeps on its channel; one running the loop stays runnable
  let runnableSamples = 0;
  await eventually(
    'the loop running in the sandbox process',
    () => (runnableSamples = processStat(sandbox!)?.state === 'R' ? runnableSamples + 1 : 0) >= 5,
    60_000,
  );

  await worker.kill();
  // well before the run's own limit (60 s) would have stopped the loop
  await eventually('the sandbox process ended', () => ended(sandbox!), 20_000);
}, 180_000);
