import { registerEngine } from '../core/engines';
import { onnxEngine } from './onnx';
import { schedulerEngine } from './scheduler';
import { workflowEngine } from './workflow';

/** Every engine registers itself here; the API and the worker both call this once. */
let registered = false;

export function registerAllEngines(): void {
  if (registered) return;
  registered = true;
  registerEngine(schedulerEngine);
  registerEngine(workflowEngine);
  registerEngine(onnxEngine);
}
