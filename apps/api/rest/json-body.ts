/**
 * Reads a REST request's JSON body before trpc-to-openapi does (it uses a body already on the
 * request): invalid UTF-8 and nesting no value needs are refused here, because the adapter would
 * store the one as U+FFFD and overflow the stack on the other (it re-serializes the body).
 */
import type { IncomingMessage } from 'node:http';
import getRawBody from 'raw-body';
import { ApiError, badRequest } from '../../../core/errors';
import { MAX_JSON_BODY } from '../../../core/limits';
import { assertAcceptableInput } from '../../../core/storable-input';

const utf8 = new TextDecoder('utf-8', { fatal: true });

async function readBytes(req: IncomingMessage): Promise<Buffer> {
  try {
    return await getRawBody(req, { limit: MAX_JSON_BODY, length: req.headers['content-length'] });
  } catch (e) {
    if ((e as { type?: string }).type === 'entity.too.large') throw new ApiError('payload_too_large', `the JSON body is over ${MAX_JSON_BODY} bytes`);
    throw badRequest(`the body could not be read: ${(e as Error).message}`);
  }
}

function decode(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw badRequest('the body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw badRequest(`the body is not valid JSON: ${(e as Error).message}`);
  }
}

/** Parses an `application/json` body onto `req.body`; other bodies are left to the adapter (which answers 415). */
export async function readJsonBody(req: IncomingMessage & { body?: unknown }) {
  if (req.headers['content-type'] !== 'application/json') return;
  const body = decode(await readBytes(req));
  assertAcceptableInput(body);
  req.body = body;
}
