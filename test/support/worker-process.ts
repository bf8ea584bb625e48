/**
 * Standalone worker processes (`npx tsx apps/worker/main.ts`) on a test platform's task queue, as a
 * deployment runs them: each in its own process group, so that a signal reaches the node process
 * behind npx and tsx (SIGKILL: a crash; SIGTERM: a deploy or a scale-in).
 */
import { spawn, type ChildProcess } from 'node:child_process';

export class WorkerProcesses {
  private readonly started: ChildProcess[] = [];

  constructor(private readonly env: Record<string, string>) {}

  /** Resolves once the worker polls its task queue. */
  async start(env: Record<string, string> = {}): Promise<ChildProcess> {
    const child = spawn('npx', ['tsx', 'apps/worker/main.ts'], {
      env: { ...process.env, ...this.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.started.push(child);
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('worker polling')) resolve();
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}: ${output.slice(-2000)}`)));
    });
    return child;
  }

  /** Sends `signal` to the worker's process group and resolves when every process of it has exited. */
  async signal(child: ChildProcess, signal: 'SIGKILL' | 'SIGTERM', timeoutMs = 60_000): Promise<void> {
    process.kill(-child.pid!, signal);
    const deadline = Date.now() + timeoutMs;
    while (groupAlive(child)) {
      if (Date.now() > deadline) throw new Error(`worker group ${child.pid} still running ${timeoutMs} ms after ${signal}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** SIGKILLs whatever is still running (for afterAll). */
  killAll() {
    for (const child of this.started) if (groupAlive(child)) process.kill(-child.pid!, 'SIGKILL');
  }
}

function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-child.pid!, 0);
    return true;
  } catch {
    return false;
  }
}
