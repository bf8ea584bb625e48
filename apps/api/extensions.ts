import type { App } from '../../core/app';
import { allEngines } from '../../core/engines';
import type { HttpExtension } from '../../core/http';
import { realtimeExtension } from './realtime';

/** The non-procedure HTTP surfaces: the realtime WebSocket, then every engine's raw routes. */
export async function apiExtensions(app: App): Promise<HttpExtension[]> {
  return [realtimeExtension(app), ...allEngines().flatMap((engine) => engine.httpRoutes?.(app) ?? [])];
}
