/**
 * Processing one completed upload (validation, description) on a worker: one workflow per upload,
 * its id derived from the upload (temporal/start.ts) so that every start (the completing API replica, a reconciler on
 * another) lands on the same run. Deterministic: no I/O here.
 */
import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { OnnxActivities, ProcessingIds } from './contracts';

const { onnxProcessUpload } = proxyActivities<OnnxActivities>({
  // hashing and reading a model of many GiB takes a while; a dead worker is noticed by its heartbeat
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  retry: { maximumAttempts: 5, initialInterval: '1 second', backoffCoefficient: 2 },
});

// settling as failed only writes rows: retried until the database takes it
const { onnxFailProcessing } = proxyActivities<OnnxActivities>({ startToCloseTimeout: '1 minute' });

export async function onnxProcessingWorkflow(ids: ProcessingIds): Promise<void> {
  try {
    await onnxProcessUpload(ids);
  } catch (e) {
    if (!(e instanceof ActivityFailure)) throw e;
    await onnxFailProcessing(ids);
  }
}
