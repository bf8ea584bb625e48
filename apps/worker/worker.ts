import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { App } from '../../core/app';
import { createActivities } from '../../activities';
import { configureSandboxPool, defaultSandboxPolicy } from '../../engines/workflow/sandbox';

const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../workflows/index.ts');

export interface RunningWorker {
  worker: Worker;
  /** resolves when the worker has shut down */
  done: Promise<void>;
  stop(): Promise<void>;
}

let runtimeInstalled = false;

/** The SDK logs every bundle and state change at INFO; keep those for BLOBHUB_LOG_LEVEL=debug. */
function installRuntime(app: App) {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger(app.config.BLOBHUB_LOG_LEVEL === 'debug' ? 'INFO' : 'WARN') });
}

/** A Temporal worker on the app's task queue running every engine's workflows and activities. */
/** The sandbox pool's size and fair-share rules, from BLOBHUB_SANDBOX_*. */
function configureSandbox(app: App) {
  const c = app.config;
  configureSandboxPool({
    threads: c.BLOBHUB_SANDBOX_THREADS ?? defaultSandboxPolicy().threads,
    orgConcurrency: c.BLOBHUB_SANDBOX_ORG_CONCURRENCY,
    longRunMs: c.BLOBHUB_SANDBOX_LONG_RUN_MS,
    reservedShortThreads: c.BLOBHUB_SANDBOX_RESERVED_SHORT_THREADS,
    nice: c.BLOBHUB_SANDBOX_NICE,
  });
}

export async function startWorker(app: App, opts: { taskQueue?: string } = {}): Promise<RunningWorker> {
  installRuntime(app);
  configureSandbox(app);
  const connection = await NativeConnection.connect({ address: app.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: app.temporal.namespace,
    taskQueue: opts.taskQueue ?? app.temporal.taskQueue,
    workflowsPath,
    activities: createActivities(app),
  });
  const done = worker.run().finally(() => connection.close());
  return {
    worker,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
