/** Zod schemas of the values the contract accepts everywhere: slugs, names, typed ids, roles, emails, timestamps. */
import { z } from 'zod';
import { idPrefixes, type IdKind } from './ids';

export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be a slug: lowercase letters, digits and dashes, 1-63 chars');

/**
 * Names of the sub-resources under /blobs/{blob_id}/…: a blob called like one of them could not
 * be addressed as /blobs/{org}/{blob}, so they are reserved.
 */
const reservedBlobNames = new Set(['revisions', 'members', 'credentials', 'metadata', 'operations']);
export const blobName = slug.refine((name) => !reservedBlobNames.has(name), 'is reserved (a sub-resource name of /blobs/{blob_id}/…)');

/** An id of one kind, e.g. `blb_…`. */
export const idOf = (kind: IdKind) => z.string().regex(new RegExp(`^${idPrefixes[kind]}_[0-9a-z]{26}$`), `must be a ${idPrefixes[kind]}_… id`);

/** An id, or a slug name (orgs and blobs may be addressed by name). */
export const idOrName = (kind: IdKind) => z.union([idOf(kind), slug]);

/** An email address, documented by the very pattern zod checks (not the looser `format: email`). */
export const emailAddress = z.string().regex(z.regexes.email, 'must be an email address').max(320);

export const role = z.enum(['read', 'write', 'admin']);
export const isoDate = z.string().describe('ISO 8601 UTC timestamp');
