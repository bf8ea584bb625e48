/**
 * The contracts between the ONNX processing workflow and the code outside it (as the
 * `interfaces.ts` of Temporal's samples): what one run works on and the activities it calls.
 * Types only: the workflow bundle imports no activity code, and activities.ts implements these.
 */

/** What one processing run works on: the completed upload and the describe operation it reports to. */
export interface ProcessingIds {
  uploadOperationId: string;
  describeOperationId: string;
}

// a type, not an interface: the worker registers activities as an indexable record
export type OnnxActivities = {
  /** validates and describes the upload, filing the model (heartbeats while it works) */
  onnxProcessUpload(ids: ProcessingIds): Promise<void>;
  /** settles the upload, its operations and its revision as failed */
  onnxFailProcessing(ids: ProcessingIds): Promise<void>;
};
