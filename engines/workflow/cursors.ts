/** Paging of the session lists: opaque keyset cursors (base64url JSON checked on the way back in) and limits. */
import { z } from 'zod';
import { invalidCursor } from '../../core/errors';

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

/**
 * Session lists take any limit and cap it (BlobHub's clients ask for up to 1,000): a client that
 * asked for more simply pages.
 */
export const cappedLimit = (max: number, fallback: number) =>
  z.coerce
    .number()
    .int()
    .min(1)
    .default(fallback)
    .transform((n) => Math.min(n, max));
