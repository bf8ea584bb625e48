/** The ONNX engine's activities: processing a completed upload, and settling it as failed. */
import { Context } from '@temporalio/activity';
import type { App } from '../../../core/app';
import { failProcessing, processUpload } from '../processing';
import type { OnnxActivities, ProcessingIds } from './contracts';

const HEARTBEAT_MS = 5_000;

export function createOnnxActivities(app: App): OnnxActivities {
  return {
    async onnxProcessUpload(ids: ProcessingIds): Promise<void> {
      const context = Context.current();
      const heartbeat = setInterval(() => context.heartbeat(), HEARTBEAT_MS);
      try {
        // a stopping worker does not wait for a model of many GiB: after its grace time this attempt
        // fails (a worker shutdown, not a cancel) and Temporal retries it on another worker
        await Promise.race([processUpload(app, ids), context.cancelled]);
      } finally {
        clearInterval(heartbeat);
      }
    },
    onnxFailProcessing: (ids: ProcessingIds) => failProcessing(app, ids),
  };
}
