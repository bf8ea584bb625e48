// Temporal workflow code: deterministic, no I/O. Each engine's workflows are re-exported here.
export { scheduleFireWorkflow } from './scheduler';
export { blobhubExecution } from './execution';
export { onnxProcessingWorkflow } from '../engines/onnx/temporal/workflows';
