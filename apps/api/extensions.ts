import type { App } from '../../core/app';
import { onnxHttpExtension } from '../../engines/onnx/http';
import { realtimeExtension } from './realtime';
import type { HttpExtension } from './server';

/** The non-procedure HTTP surfaces of every area (realtime, raw uploads, signed URLs). */
export async function apiExtensions(app: App): Promise<HttpExtension[]> {
  return [realtimeExtension(app), onnxHttpExtension(app)];
}
