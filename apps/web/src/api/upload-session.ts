/**
 * An ONNX upload in progress, kept in localStorage per revision so that it survives a page reload:
 * the server's upload operation, the part split, the parts finished (with their ETags) and which
 * file it was. Read back with zod: anything else found under the key is dropped, not trusted.
 */
import { z } from 'zod';

const savedUpload = z.object({
  operation_id: z.string(),
  part_size: z.number().int().positive(),
  expires_at: z.iso.datetime({ offset: true }),
  file: z.object({ name: z.string(), size: z.number().int(), last_modified: z.number() }),
  finished: z.array(z.object({ part_number: z.number().int().positive(), hash: z.string() })),
});
export type SavedUpload = z.infer<typeof savedUpload>;

const keyOf = (revisionId: string) => `blobhub.onnx-upload.${revisionId}`;

export const fileIdentity = (file: File): SavedUpload['file'] => ({ name: file.name, size: file.size, last_modified: file.lastModified });

/** The same file again, as far as a browser can tell without reading it: name, size and modification time. */
export const isSameFile = (saved: SavedUpload, file: File) => {
  const given = fileIdentity(file);
  return saved.file.name === given.name && saved.file.size === given.size && saved.file.last_modified === given.last_modified;
};

export const uploadSessions = {
  /** The revision's unfinished upload, unless it has expired on the server. */
  load(revisionId: string): SavedUpload | null {
    try {
      const parsed = savedUpload.safeParse(JSON.parse(localStorage.getItem(keyOf(revisionId)) ?? 'null'));
      if (parsed.success && new Date(parsed.data.expires_at).getTime() > Date.now()) return parsed.data;
    } catch {
      // not JSON: dropped below
    }
    localStorage.removeItem(keyOf(revisionId));
    return null;
  },
  save: (revisionId: string, upload: SavedUpload) => localStorage.setItem(keyOf(revisionId), JSON.stringify(upload)),
  clear: (revisionId: string) => localStorage.removeItem(keyOf(revisionId)),
};
