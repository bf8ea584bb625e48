import { registerEngine, type Engine } from '../core/engines';
import { onnxEngine } from './onnx';
import { schedulerEngine } from './scheduler';
import { registerComponent } from './workflow/components/registry';
import { workflowEngine } from './workflow';

/**
 * Every engine. The order is the order the API tries their raw HTTP routes: the workflow engine's
 * session-file routes pass on raw data requests that are not theirs, to the ONNX engine's.
 */
const engines: Engine[] = [schedulerEngine, workflowEngine, onnxEngine];

let registered = false;

/** Registers every engine and its component types; the API and the worker both call this once. */
export function registerAllEngines(): void {
  if (registered) return;
  registered = true;
  for (const engine of engines) {
    registerEngine(engine);
    for (const component of engine.components ?? []) registerComponent(component);
  }
}
