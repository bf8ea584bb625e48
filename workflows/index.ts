// The worker's workflow bundle: each engine's Temporal workflow code (deterministic, no I/O).
export { scheduleFireWorkflow } from '../engines/scheduler/temporal/workflows';
export { blobhubExecution, eventDelivery, threadItemDelivery } from '../engines/workflow/temporal/workflows';
export { onnxProcessingWorkflow } from '../engines/onnx/temporal/workflows';
