/** Starting an upload's processing workflow from the API: idempotent, any replica, any number of times. */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { eq } from 'drizzle-orm';
import type { App } from '../../../core/app';
import { blobSearchAttributes } from '../../../core/search-attributes';
import { blobs, onnxUploads, orgs, revisions } from '../../../db/schema';
import type { ProcessingIds } from './contracts';
import { onnxProcessingWorkflow } from './workflows';

/** One workflow id per upload, so every replica's start lands on the same run. */
export const onnxProcessingWorkflowId = (uploadOperationId: string) => `onnx-processing-${uploadOperationId}`;

/**
 * Starts the workflow, or joins the one already running for this upload. A finished run is not
 * repeated (its outcome is written); a failed or terminated one may be started again.
 */
export async function startProcessingWorkflow(app: App, ids: ProcessingIds): Promise<void> {
  try {
    await app.temporal.client.workflow.start(onnxProcessingWorkflow, {
      taskQueue: app.temporal.taskQueue,
      workflowId: onnxProcessingWorkflowId(ids.uploadOperationId),
      args: [ids],
      workflowIdConflictPolicy: 'USE_EXISTING',
      workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
      ...(await processingDescription(app, ids)),
    });
  } catch (e) {
    if (!(e instanceof WorkflowExecutionAlreadyStartedError)) throw e;
  }
}

/** Search attributes, summary and details, so a team finds and reads the processing in the Temporal UI. */
async function processingDescription(app: App, ids: ProcessingIds) {
  const [found] = await app.db
    .select({ upload: onnxUploads, blob: blobs, org: orgs })
    .from(onnxUploads)
    .innerJoin(revisions, eq(revisions.id, onnxUploads.revisionId))
    .innerJoin(blobs, eq(blobs.id, revisions.blobId))
    .innerJoin(orgs, eq(orgs.id, blobs.orgId))
    .where(eq(onnxUploads.operationId, ids.uploadOperationId));
  // its revision was deleted meanwhile: the run will find nothing to do
  if (!found) return {};
  const { upload, blob, org } = found;
  return {
    typedSearchAttributes: blobSearchAttributes({ orgId: org.id, blobId: blob.id, revisionId: upload.revisionId }),
    staticSummary: `BlobHub ONNX processing: ${upload.path} of ${org.name}/${blob.name}`,
    staticDetails: [
      `Validates and describes \`${upload.path}\` (${upload.size} bytes) uploaded to ONNX blob \`${org.name}/${blob.name}\` (\`${blob.id}\`), revision \`${upload.revisionId}\`.`,
      `Upload operation \`${ids.uploadOperationId}\`, describe operation \`${ids.describeOperationId}\`.`,
    ].join('\n\n'),
  };
}
