/**
 * The ONNX engine's commands (docs/spec.md §7), and the multipart upload: the parts go straight to the
 * presigned URLs the server hands out, a few at a time, with progress as bytes leave the browser,
 * resumable after a page reload (`resume_upload` says which parts the server already holds).
 */
import type { OnnxModel } from '../../../../sdk/browser';
import { errorCodeOf } from './errors';
import { engineCommands } from './engine';
import { fileIdentity, isSameFile, uploadSessions } from './upload-session';

export const ONNX_ENGINE = 'onnx_blobhub';

export type ModelDescription = OnnxModel;
export type TensorInput = { type: string; dims: number[]; data: (number | string | boolean)[] };

interface UploadPart {
  part_number: number;
  offset: number;
  size: number;
  upload: { url: string; method: string; headers: Record<string, string> };
}

const { command, query } = engineCommands(ONNX_ENGINE);

export const onnx = {
  describe: (revisionId: string) =>
    query<{ model: ModelDescription | null; components: { path: string; size: number; sha256: string }[] }>(revisionId, 'describe', {}),
  initiateDownload: (revisionId: string) =>
    command<{ url: string; expires_at: string; path: string; size: number }>('query', revisionId, 'initiate_download', {}),
  run: (revisionId: string, inputs: Record<string, TensorInput>) => command<{ outputs: Record<string, TensorInput> }>('query', revisionId, 'run', { inputs }),
};

/** Parts in flight at once: enough to fill the link, few enough for a browser's connection pool. */
const PARALLEL_PARTS = 4;

/** PUTs one part, reporting bytes sent; resolves with the part's ETag. */
function putPart(file: File, part: UploadPart, onSent: (bytes: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(part.upload.method, part.upload.url);
    for (const [name, value] of Object.entries(part.upload.headers)) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => onSent(e.loaded);
    xhr.onload = () => {
      const etag = xhr.getResponseHeader('ETag');
      if (xhr.status >= 200 && xhr.status < 300 && etag) resolve(etag);
      else reject(new Error(`part ${part.part_number} was refused by the store (HTTP ${xhr.status}${etag ? '' : ', no ETag readable'})`));
    };
    xhr.onerror = () => reject(new Error(`part ${part.part_number} could not be sent`));
    xhr.send(file.slice(part.offset, part.offset + part.size));
  });
}

export interface UploadProgress {
  /** share of the file's bytes on the server or sent (0..1) */
  share: number;
  parts: number;
  /** parts the server already held when an interrupted upload was resumed (0 for a new upload) */
  resumedParts: number;
}

interface OpenUpload {
  operationId: string;
  expiresAt: string;
  /** planned parts; those the server holds carry their ETag as `hash` */
  parts: (UploadPart | (Omit<UploadPart, 'upload'> & { hash: string }))[];
}

/** The server no longer has the upload open: completed, cancelled, expired or gone. */
const isUploadOver = (e: unknown) => ['CONFLICT', 'NOT_FOUND'].includes(errorCodeOf(e) ?? '');

type ResumedPart = Omit<UploadPart, 'upload'> & { hash: string | null; upload?: UploadPart['upload'] };

/** The saved upload of this file if the server still has it open, else a new upload (another file's is given up). */
async function openUpload(revisionId: string, file: File): Promise<OpenUpload> {
  const saved = uploadSessions.load(revisionId);
  if (saved && !isSameFile(saved, file)) await discardUpload(revisionId, saved.operation_id);
  if (saved && isSameFile(saved, file)) {
    try {
      const { operation } = await command<{ operation: { id: string; expires_at: string; parts: ResumedPart[] } }>('command', revisionId, 'resume_upload', {
        operation_id: saved.operation_id,
      });
      const parts = operation.parts.map(({ hash, upload, ...part }) => (hash ? { ...part, hash } : { ...part, upload: upload! }));
      return { operationId: operation.id, expiresAt: operation.expires_at, parts };
    } catch (e) {
      if (!isUploadOver(e)) throw e; // else start over
    }
  }
  const { operation } = await command<{ operation: { id: string; expires_at: string; parts: UploadPart[] } }>('command', revisionId, 'initiate_upload', {
    path: 'model.onnx',
    size: file.size,
  });
  return { operationId: operation.id, expiresAt: operation.expires_at, parts: operation.parts };
}

/**
 * Uploads `file` as the revision's model. The upload is saved as parts finish; picking the same
 * file after a reload resumes it: only the parts the server does not hold yet are sent.
 */
export async function uploadModel(revisionId: string, file: File, onProgress: (progress: UploadProgress) => void) {
  const upload = await openUpload(revisionId, file);
  const held = upload.parts.filter((p) => 'hash' in p);
  const finished = new Map(held.map((p) => [p.part_number, p.hash]));
  const saveProgress = () =>
    uploadSessions.save(revisionId, {
      operation_id: upload.operationId,
      part_size: upload.parts[0]?.size ?? 0,
      expires_at: upload.expiresAt,
      file: fileIdentity(file),
      finished: [...finished].map(([part_number, hash]) => ({ part_number, hash })),
    });
  saveProgress();
  const sent = new Map(held.map((p) => [p.part_number, p.size]));
  const report = () => onProgress({ share: [...sent.values()].reduce((a, b) => a + b, 0) / file.size, parts: upload.parts.length, resumedParts: held.length });
  report();
  const queue = upload.parts.filter((p): p is UploadPart => 'upload' in p);
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const current = part;
      const hash = await putPart(file, current, (bytes) => {
        sent.set(current.part_number, bytes);
        report();
      });
      finished.set(current.part_number, hash);
      saveProgress();
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, queue.length) }, worker));
  const parts = [...finished].sort(([a], [b]) => a - b).map(([part_number, hash]) => ({ part_number, hash }));
  const done = await command<{ operation: { id: string; status: string } }>('command', revisionId, 'complete_upload', {
    operation_id: upload.operationId,
    parts,
  });
  uploadSessions.clear(revisionId);
  return done;
}

/** Gives up the revision's interrupted upload: the server frees its parts. */
export async function discardUpload(revisionId: string, operationId: string) {
  uploadSessions.clear(revisionId);
  await command('command', revisionId, 'cancel_upload', { operation_id: operationId }).catch((e: unknown) => {
    if (!isUploadOver(e)) throw e; // else nothing is left to free
  });
}
