/** JSON answers the server writes itself (outside the tRPC adapters), errors in the REST dialect. */
import type { ServerResponse } from 'node:http';
import { toRestError } from '../../http/dialect';
import type { ErrorBody } from '../../core/errors';

export function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

export function sendError(res: ServerResponse, status: number, error: ErrorBody) {
  sendJson(res, status, toRestError(error));
}
