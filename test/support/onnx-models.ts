/** ONNX models built by the tests themselves with onnx-proto (test support, not runtime code). */
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

type DimSpec = number | string;

function valueInfo(name: string, elemType: number, dims: DimSpec[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  });
}

function modelBytes(graph: onnxProto.onnx.IGraphProto, extra: Partial<onnxProto.onnx.IModelProto> = {}) {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'blobhub-tests',
    producerVersion: '1.0',
    graph,
    metadataProps: [{ key: 'purpose', value: 'test' }],
    ...extra,
  });
  return Buffer.from(onnx.ModelProto.encode(model).finish());
}

function addGraph(name: string): onnxProto.onnx.IGraphProto {
  return {
    name,
    node: [{ opType: 'Add', input: ['A', 'B'], output: ['Y'] }],
    input: [valueInfo('A', FLOAT, ['batch', 3]), valueInfo('B', FLOAT, ['batch', 3])],
    output: [valueInfo('Y', FLOAT, ['batch', 3])],
  };
}

/** Y = A + B over float32 tensors of shape [batch, 3] (batch symbolic). */
export const addModel = (): Buffer => modelBytes(addGraph('add'));

/** Y = X · W with W a 2×2 initializer [[1, 2], [3, 4]]. */
export function matMulModel(): Buffer {
  return modelBytes({
    name: 'matmul',
    node: [{ opType: 'MatMul', input: ['X', 'W'], output: ['Y'] }],
    initializer: [{ name: 'W', dims: [2, 2], dataType: FLOAT, floatData: [1, 2, 3, 4] }],
    input: [valueInfo('X', FLOAT, ['n', 2])],
    output: [valueInfo('Y', FLOAT, ['n', 2])],
  });
}

// protobuf framing for the hand-written big field below
function varint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return Buffer.from(out);
}
const lengthDelimited = (field: number, length: number) => Buffer.concat([varint(field * 8 + 2), varint(length)]);

/**
 * Writes an Add model plus one big float32 initializer of `floats` elements to `file`, streaming
 * the weights so that the test process never holds them; returns its size and sha256.
 */
export async function writeBigModel(file: string, floats: number): Promise<{ size: number; sha256: string }> {
  const graphHead = Buffer.from(onnx.GraphProto.encode(addGraph('big')).finish());
  const tensorHead = Buffer.from(onnx.TensorProto.encode({ name: 'big_weights', dims: [floats], dataType: FLOAT }).finish());
  const rawBytes = floats * 4;
  const tensorLength = tensorHead.length + lengthDelimited(9, rawBytes).length + rawBytes;
  const initializerField = Buffer.concat([lengthDelimited(5, tensorLength), tensorHead, lengthDelimited(9, rawBytes)]);
  const graphLength = graphHead.length + initializerField.length + rawBytes;
  const modelHead = Buffer.from(onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 13 }], producerName: 'blobhub-tests' }).finish());
  const head = Buffer.concat([modelHead, lengthDelimited(7, graphLength), graphHead, initializerField]);

  const hash = createHash('sha256');
  const out = createWriteStream(file);
  const write = async (chunk: Buffer) => {
    hash.update(chunk);
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(head);
  const chunk = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i += 4) chunk.writeFloatLE((i / 4) % 1000, i);
  for (let left = rawBytes; left > 0; left -= chunk.length) await write(left >= chunk.length ? chunk : chunk.subarray(0, left));
  out.end();
  await once(out, 'finish');
  return { size: head.length + rawBytes, sha256: hash.digest('hex') };
}

/** A model.tar.gz as BlobHub's SDK packs it: regular files at the top level of a gzipped tar. */
export async function modelArchive(files: Record<string, Buffer>): Promise<Buffer> {
  const tar = pack();
  for (const [name, bytes] of Object.entries(files)) tar.entry({ name, size: bytes.length, mode: 0o644 }, bytes);
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar) chunks.push(chunk as Buffer);
  return gzipSync(Buffer.concat(chunks));
}
