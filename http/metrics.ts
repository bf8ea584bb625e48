/** GET /metrics of the API and of a standalone worker: the process's Prometheus registry as text, with the Temporal SDK's series where a worker runs. */
import type { ServerResponse } from 'node:http';
import { allMetricsText, metricsRegistry } from '../core/metrics';

/** Answers GET /metrics. */
export async function writeMetrics(res: ServerResponse): Promise<void> {
  res.setHeader('content-type', metricsRegistry.contentType);
  res.end(await allMetricsText());
}
