/** Raw (octet-stream) data requests: where their JSON command travels. */
import type { IncomingMessage } from 'node:http';
import { ApiError, badRequest } from '../core/errors';

const MAX_COMMAND_BYTES = 64 * 1024;

/**
 * The command of a raw request: in X-Request-Body, or (a download, whose body is free) as the
 * JSON body itself. A body read here is kept as the header, so the next raw route can read it too.
 */
export async function readRawCommandText(req: IncomingMessage): Promise<string> {
  const header = req.headers['x-request-body'];
  if (typeof header === 'string') return header;
  if (/application\/octet-stream/i.test(req.headers['content-type'] ?? '')) throw badRequest('send the command as JSON in X-Request-Body');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_COMMAND_BYTES) throw new ApiError('payload_too_large', 'the command body is too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  req.headers['x-request-body'] = text;
  return text;
}
