/** Opaque keyset cursors of the session lists: base64url JSON checked on the way back in. */
import type { z } from 'zod';
import { ApiError } from '../../core/errors';

export const invalidCursor = (why = 'the cursor is malformed or belongs to another listing') =>
  new ApiError('bad_request', `invalid cursor: ${why}; pass back a cursor exactly as a page returned it`, { engineCode: 'invalid_cursor' });

export function encodeKeyset(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

/** The cursor's keyset, or undefined without a cursor; invalid_cursor when it is not one of ours. */
export function decodeKeyset<S extends z.ZodType>(schema: S, cursor: string | undefined): z.infer<S> | undefined {
  if (cursor === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}
