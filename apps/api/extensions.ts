import type { App } from '../../core/app';
import { onnxHttpExtension } from '../../engines/onnx/http';
import { workflowHttpExtension } from '../../engines/workflow/http';
import { realtimeExtension } from './realtime';
import type { HttpExtension } from '../../core/http';

/** The non-procedure HTTP surfaces of every area (realtime, raw uploads, signed URLs). */
export async function apiExtensions(app: App): Promise<HttpExtension[]> {
  // the workflow engine's raw session-file routes first: it passes on raw requests that are not its own
  return [realtimeExtension(app), workflowHttpExtension(app), onnxHttpExtension(app)];
}
