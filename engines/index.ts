import { registerEngine, type Engine } from '../core/engines';
import { onnxEngine } from './onnx';
import { mlOnnx } from './onnx/component';
import { schedulerEngine } from './scheduler';
import { builtinComponents } from './workflow/components';
import { registerComponent, type ComponentType } from './workflow/components/registry';
import { workflowEngine } from './workflow';

/**
 * Every engine. The order is the order the API tries their raw HTTP routes: the workflow engine's
 * session-file routes pass on raw data requests that are not theirs, to the ONNX engine's.
 */
const engines: Engine[] = [schedulerEngine, workflowEngine, onnxEngine];

/** The workflow engine's component catalog: its own types, then those other engines add (the ONNX engine's `ml.onnx`). */
const components: ComponentType[] = [...builtinComponents, mlOnnx];

let registered = false;

/** Registers every engine and every component type; the API and the worker both call this once. */
export function registerAllEngines(): void {
  if (registered) return;
  registered = true;
  for (const engine of engines) registerEngine(engine);
  for (const component of components) registerComponent(component);
}
