import type { App } from '../../core/app';
import type { HttpExtension } from './server';

/** The non-procedure HTTP surfaces of every area (realtime, raw uploads, signed URLs). */
export async function apiExtensions(_app: App): Promise<HttpExtension[]> {
  return [];
}
