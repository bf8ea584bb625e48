/**
 * The multipart upload of an ONNX model (docs/spec.md §7) through the typed procedures under
 * `onnx_blobhub`: the parts go straight to the presigned URLs the server hands out, a few at a
 * time, with progress as bytes leave the browser, resumable after a page reload (`resume_upload`
 * says which parts the server already holds). The other commands are called by the pages.
 */
import type { CommandOutput, CommandParams, OnnxModel } from '../../../../sdk/browser';
import { errorCodeOf } from './errors';
import { api } from './trpc';
import { fileIdentity, isSameFile, uploadSessions } from './upload-session';

export type ModelDescription = OnnxModel;
/** One named input of `run`. */
export type TensorInput = CommandParams<'onnx_blobhub', 'run'>['inputs'][string];

/** A part still to send, with its presigned request. */
type UploadPart = CommandOutput<'onnx_blobhub', 'initiate_upload'>['operation']['parts'][number];

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
    // The browser tells a script nothing more than "it failed": say where it went and what usually stops it.
    xhr.onerror = () =>
      reject(
        new Error(
          `part ${part.part_number} could not be sent to ${new URL(part.upload.url).origin}: the store did not answer, or the browser blocked the request (the store does not allow this page's origin, ${location.origin}, by CORS)`,
        ),
      );
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

/** The saved upload of this file if the server still has it open, else a new upload (another file's is given up). */
async function openUpload(revisionId: string, file: File): Promise<OpenUpload> {
  const saved = uploadSessions.load(revisionId);
  if (saved && !isSameFile(saved, file)) await discardUpload(revisionId, saved.operation_id);
  if (saved && isSameFile(saved, file)) {
    try {
      const { operation } = await api.onnx_blobhub.resume_upload.mutate({ revision_id: revisionId, operation_id: saved.operation_id });
      // a part still to send comes with `hash: null`, dropped: a `hash` marks a part the server holds
      const parts = operation.parts.map((part) => {
        if (part.hash !== null) return part;
        const { hash: _none, ...toSend } = part;
        return toSend;
      });
      return { operationId: operation.id, expiresAt: operation.expires_at, parts };
    } catch (e) {
      if (!isUploadOver(e)) throw e; // else start over
    }
  }
  const { operation } = await api.onnx_blobhub.initiate_upload.mutate({ revision_id: revisionId, path: 'model.onnx', size: file.size });
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
  const done = await api.onnx_blobhub.complete_upload.mutate({ revision_id: revisionId, operation_id: upload.operationId, parts });
  uploadSessions.clear(revisionId);
  return done;
}

/** Gives up the revision's interrupted upload: the server frees its parts. */
export async function discardUpload(revisionId: string, operationId: string) {
  uploadSessions.clear(revisionId);
  await api.onnx_blobhub.cancel_upload.mutate({ revision_id: revisionId, operation_id: operationId }).catch((e: unknown) => {
    if (!isUploadOver(e)) throw e; // else nothing is left to free
  });
}
