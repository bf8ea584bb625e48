import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { App } from '../../core/app';
import { createActivities } from '../../activities';
import { runsCompiled } from '../../core/build-mode';
import { activityLogContext } from './activity-log-context';
import { installRuntime } from './runtime';
import { OpenTelemetryPlugin } from '@temporalio/interceptors-opentelemetry';
import { currentTracing } from '../../core/tracing';

/** The worker's workflow bundle entry (also what the replay test replays the corpus against). */
export const workflowsPath = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../workflows/index.ts');

/** The compiled worker runs the bundle `npm run build` made of workflowsPath; from source, Temporal bundles it at start. */
const workflowCode = () =>
  runsCompiled ? { workflowBundle: { codePath: fileURLToPath(new URL('../../dist/workflow-bundle.js', import.meta.url)) } } : { workflowsPath };

export interface RunningWorker {
  worker: Worker;
  /** resolves when the worker has shut down */
  done: Promise<void>;
  stop(): Promise<void>;
}

/** With tracing on: workflow and activity spans continuing the trace of whoever started the workflow. */
function tracingPlugins() {
  const tracing = currentTracing();
  return tracing ? [new OpenTelemetryPlugin({ resource: tracing.resource, spanProcessor: tracing.spanProcessor })] : [];
}

/** A Temporal worker on the app's task queue running every engine's workflows and activities. */
export async function startWorker(app: App, opts: { taskQueue?: string } = {}): Promise<RunningWorker> {
  await installRuntime();
  const connection = await NativeConnection.connect(app.temporal.connectionOptions);
  const worker = await Worker.create({
    connection,
    namespace: app.temporal.namespace,
    taskQueue: opts.taskQueue ?? app.temporal.taskQueue,
    ...workflowCode(),
    activities: createActivities(app),
    interceptors: { activity: [activityLogContext] },
    plugins: tracingPlugins(),
    // a cancellation reaches a running activity only in the answer to a heartbeat: send them often
    // enough (else every 0.8 × heartbeat timeout) that a stopped execution stops its work within a second or so
    maxHeartbeatThrottleInterval: '1s',
    shutdownGraceTime: `${app.config.BLOBHUB_WORKER_SHUTDOWN_GRACE_SECONDS}s`,
    maxConcurrentActivityTaskExecutions: app.config.BLOBHUB_WORKER_MAX_ACTIVITIES,
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
