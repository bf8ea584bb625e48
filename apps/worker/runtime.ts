/**
 * The process's Temporal runtime, installed once before the first worker: the SDK's logs (its
 * TypeScript side and, forwarded, its Rust core's) go to BlobHub's logger, and its metrics
 * (`temporal_*`: workflow-task failures, poll latencies, slots, sticky cache…) are served by a
 * Prometheus exporter on a loopback port and appended to the process's own /metrics.
 */
import { DefaultLogger, makeTelemetryFilterString, Runtime, type LogEntry } from '@temporalio/worker';
import type { LogMetadata } from '@temporalio/common';
import { logger } from '../../core/log';
import { registerMetricsSource } from '../../core/metrics';
import { freePort } from '../dev/processes';

let installed: Promise<void> | undefined;

/** Installs the runtime once per process; later calls wait for the first. */
export function installRuntime(): Promise<void> {
  installed ??= install();
  return installed;
}

async function install() {
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  Runtime.install({
    // pino decides what is written (BLOBHUB_LOG_LEVEL); the SDK hands it everything
    logger: new DefaultLogger('TRACE', toBlobHubLog),
    telemetryOptions: {
      logging: { filter: makeTelemetryFilterString({ core: 'WARN', other: 'ERROR' }), forward: {} },
      metrics: { prometheus: { bindAddress: metricsAddress } },
    },
  });
  registerMetricsSource(metricsAddress);
}

/**
 * One SDK log entry as a BlobHub log line, with the workflow's ids under BlobHub's names. The SDK
 * logs every bundle build and worker state change at INFO: those are kept for debug.
 */
function toBlobHubLog(entry: LogEntry) {
  const level = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'debug', WARN: 'warn', ERROR: 'error' } as const)[entry.level];
  logger[level]({ ...idsOf(entry.meta), temporal: entry.meta }, entry.message);
}

function idsOf(meta: LogMetadata | undefined) {
  const workflowId = meta?.workflowId as string | undefined;
  const runId = (meta?.runId ?? meta?.workflowRunId) as string | undefined;
  // an execution's workflow id is the execution id
  const executionId = meta?.workflowType === 'blobhubExecution' ? workflowId : undefined;
  return { ...(workflowId && { workflow_id: workflowId }), ...(runId && { run_id: runId }), ...(executionId && { execution_id: executionId }) };
}
