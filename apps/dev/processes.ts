/** Child processes for the embedded services (dev mode and the test harness). */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { logger } from '../../core/log';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const toolsBin = path.join(repoRoot, '.tools', 'bin');

export function toolPath(name: string): string {
  const p = path.join(toolsBin, name);
  if (!existsSync(p)) throw new Error(`${name} is not installed: run \`bash scripts/install-services.sh\``);
  return p;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function waitForPort(port: number, child: ChildProcess, timeoutMs = 60_000, what = 'service') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${what} exited with code ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not open port ${port} within ${timeoutMs} ms`);
}

export interface ManagedProcess {
  child: ChildProcess;
  /** the last 4,000 characters the child wrote to stderr (empty when verbose) */
  stderrTail(): string;
  stop(): Promise<void>;
}

/** Children still running: told to stop when this process exits, however it exits (an uncaught error too). */
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGTERM');
});

/** Spawns a child that dies with us; its output goes to our stderr when `verbose`; its stdout is readable from `child.stdout` with `pipeStdout`. */
export function startProcess(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; verbose?: boolean; cwd?: string; pipeStdout?: boolean } = {},
): ManagedProcess {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...opts.env },
    cwd: opts.cwd,
    stdio: ['ignore', opts.verbose ? 'inherit' : opts.pipeStdout ? 'pipe' : 'ignore', opts.verbose ? 'inherit' : 'pipe'],
  });
  liveChildren.add(child);
  let stderrTail = '';
  child.stderr?.on('data', (d: Buffer) => (stderrTail = (stderrTail + d.toString()).slice(-4000)));
  child.on('exit', (code, signal) => {
    liveChildren.delete(child);
    if (code && code !== 0 && !signal) logger.error({ process: path.basename(cmd), code, stderr: stderrTail }, 'child process exited');
  });
  return {
    child,
    stderrTail: () => stderrTail,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5000).unref();
      }),
  };
}
