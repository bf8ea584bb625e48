import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * Extra HTTP surfaces that are not JSON procedures: the realtime WebSocket, octet-stream
 * uploads, the local blob store's signed URLs. Each returns true when it handled the request.
 */
export interface HttpExtension {
  handle?(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> | boolean;
  upgrade?(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  close?(): Promise<void> | void;
}
