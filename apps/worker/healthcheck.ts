/**
 * The worker's container health check: exits 0 while a worker polls the BlobHub task queue
 * (workflow tasks), 1 otherwise. Used by docker-compose.yml.
 */
import { loadConfig } from '../../core/config';
import { connectTemporal } from '../../core/temporal';

const WORKFLOW_TASK_QUEUE = 1; // temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW

const config = loadConfig();
const temporal = await connectTemporal(config, { address: config.BLOBHUB_TEMPORAL_ADDRESS ?? 'localhost:7233' });
const { pollers } = await temporal.connection.workflowService.describeTaskQueue({
  namespace: temporal.namespace,
  taskQueue: { name: temporal.taskQueue },
  taskQueueType: WORKFLOW_TASK_QUEUE,
});
await temporal.close();
process.exit(pollers.length > 0 ? 0 : 1);
