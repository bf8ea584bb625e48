/**
 * The ONNX engine's commands (SPEC §7), and the multipart upload: the parts go straight to the
 * presigned URLs the server hands out, a few at a time, with progress as bytes leave the browser.
 */
import type { modelWire } from '../../../../engines/onnx/files';
import { engineCommands } from './engine';

export const ONNX_ENGINE = 'onnx_blobhub';

export type ModelDescription = ReturnType<typeof modelWire>;
export type TensorInput = { type: string; dims: number[]; data: (number | string | boolean)[] };

interface UploadPart {
  part_number: number;
  offset: number;
  size: number;
  upload: { url: string; method: string; headers: Record<string, string> };
}

const command = engineCommands(ONNX_ENGINE);

export const onnx = {
  describe: (revisionId: string) =>
    command<{ model: ModelDescription | null; components: { path: string; size: number; sha256: string }[] }>('query', revisionId, 'describe', {}),
  initiateDownload: (revisionId: string) => command<{ url: string; expires_at: string; path: string; size: number }>('query', revisionId, 'initiate_download', {}),
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

/** Uploads `file` as the revision's model; `onProgress` gets the share of bytes sent (0..1). */
export async function uploadModel(revisionId: string, file: File, onProgress: (share: number, parts: number) => void) {
  const { operation } = await command<{ operation: { id: string; parts: UploadPart[] } }>('command', revisionId, 'initiate_upload', { path: 'model.onnx', size: file.size });
  const sent = new Map<number, number>();
  const report = () => onProgress([...sent.values()].reduce((a, b) => a + b, 0) / file.size, operation.parts.length);
  const queue = [...operation.parts];
  const hashes: { part_number: number; hash: string }[] = [];
  const worker = async () => {
    for (let part = queue.shift(); part; part = queue.shift()) {
      const current = part;
      const hash = await putPart(file, current, (bytes) => {
        sent.set(current.part_number, bytes);
        report();
      });
      hashes.push({ part_number: current.part_number, hash });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_PARTS, queue.length) }, worker));
  hashes.sort((a, b) => a.part_number - b.part_number);
  return command<{ operation: { id: string; status: string } }>('command', revisionId, 'complete_upload', { operation_id: operation.id, parts: hashes });
}
