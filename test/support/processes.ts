/**
 * BlobHub as separate OS processes on a launched platform's database, Temporal and task queue:
 * API servers (`apps/api/main.ts`, no in-process worker) and standalone workers
 * (`apps/worker/main.ts`), as a scaled-out deployment runs them. Each can be stopped or SIGKILLed.
 * From source by default; `compiled` runs what `npm run build` made of them (dist/api.js,
 * dist/worker.js) with plain node, as `npm run api` / `npm run worker` and the image do.
 */
import { freePort, repoRoot, startProcess, waitForPort, type ManagedProcess } from '../../apps/dev/processes';

export interface BlobHubProcess extends ManagedProcess {
  /** the API's base URL; a worker's health server (/metrics, /readyz) */
  url?: string;
  /** ends it at once, as a crash or an OOM kill would */
  kill(): Promise<void>;
  /** stops it as a deploy or a scale-in does: SIGTERM, then waits (without a kill) until it has exited */
  terminate(): Promise<void>;
}

/** `compiled`: run dist/ (`npm run build`) instead of the sources; `pipeStdout`: the process's stdout (its log lines) is readable from `child.stdout`. */
export interface ProcessOptions {
  compiled?: boolean;
  pipeStdout?: boolean;
}

const entries = {
  api: { source: 'apps/api/main.ts', compiled: 'dist/api.js' },
  worker: { source: 'apps/worker/main.ts', compiled: 'dist/worker.js' },
};

function launch(
  entry: (typeof entries)[keyof typeof entries],
  opts: ProcessOptions,
  env: Record<string, string>,
  port: number,
  what: string,
): Promise<ManagedProcess> {
  // node itself with tsx's loader (not the tsx CLI, which runs the program in a child of its own
  // that a SIGKILL of the CLI would leave running): one process, so a kill ends it
  const args = opts.compiled ? ['--enable-source-maps', entry.compiled] : ['--import', 'tsx', entry.source];
  const managed = startProcess(process.execPath, args, { cwd: repoRoot, env, pipeStdout: opts.pipeStdout });
  return waitForPort(port, managed.child, 90_000, what).then(() => managed);
}

function withKill(managed: ManagedProcess, url?: string): BlobHubProcess {
  const kill = () =>
    new Promise<void>((resolve) => {
      if (managed.child.exitCode !== null || managed.child.signalCode) return resolve();
      managed.child.once('exit', () => resolve());
      managed.child.kill('SIGKILL');
    });
  const terminate = () =>
    new Promise<void>((resolve) => {
      if (managed.child.exitCode !== null || managed.child.signalCode) return resolve();
      managed.child.once('exit', () => resolve());
      managed.child.kill('SIGTERM');
    });
  return { ...managed, url, kill, terminate };
}

export async function startApiProcess(platformEnv: Record<string, string>, opts: ProcessOptions = {}): Promise<BlobHubProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const env = { ...platformEnv, BLOBHUB_HTTP_PORT: String(port), BLOBHUB_HTTP_HOST: '127.0.0.1', BLOBHUB_PUBLIC_URL: url, BLOBHUB_RUN_WORKER: 'false' };
  return withKill(await launch(entries.api, opts, env, port, 'API process'), url);
}

/** A worker; its health port opens once it polls the task queue. */
export async function startWorkerProcess(platformEnv: Record<string, string>, opts: ProcessOptions = {}): Promise<BlobHubProcess> {
  const port = await freePort();
  const env = { ...platformEnv, BLOBHUB_WORKER_HTTP_PORT: String(port), BLOBHUB_HTTP_HOST: '127.0.0.1' };
  return withKill(await launch(entries.worker, opts, env, port, 'worker process'), `http://127.0.0.1:${port}`);
}

const isRunning = (p: BlobHubProcess) => p.child.exitCode === null && !p.child.signalCode;

/** The standalone workers a fault test starts, to SIGKILL one by one and all at the end. */
export function workerPool(platformEnv: Record<string, string>) {
  const started: BlobHubProcess[] = [];
  return {
    async start(): Promise<BlobHubProcess> {
      const worker = await startWorkerProcess(platformEnv);
      started.push(worker);
      return worker;
    },
    alive: () => started.filter(isRunning),
    killAll: () => Promise.all(started.map((w) => w.kill())),
  };
}
