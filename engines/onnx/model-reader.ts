/**
 * Reads what an ONNX file says about itself (ModelProto header, graph inputs/outputs, initializer
 * shapes) by walking the protobuf wire format through ranged reads: weight bytes (raw_data,
 * node attributes) are skipped by length, so a model of any size is described in bounded memory.
 * Small sub-messages (value infos, opsets, metadata) are decoded with onnx-proto's generated code.
 */
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Random access to a model's bytes (a file, an S3 object). */
export interface ByteSource {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

export type ModelProblem = 'not_onnx' | 'truncated';

export class ModelFormatError extends Error {
  constructor(
    readonly problem: ModelProblem,
    message: string,
  ) {
    super(message);
  }
}

/** A dimension: a fixed size, a symbolic name, or null when the graph leaves it open. */
export type Dim = number | string | null;

export interface TensorInfo {
  name: string;
  /** element type in onnxruntime's vocabulary (float32, int64, …), or the ONNX kind for non-tensors */
  type: string;
  shape: Dim[] | null;
}

export interface ModelDescription {
  ir_version: number;
  opset_imports: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  domain: string;
  model_version: number;
  graph_name: string;
  inputs: TensorInfo[];
  outputs: TensorInfo[];
  node_count: number;
  initializer_count: number;
  parameter_count: number;
  metadata_props: Record<string, string>;
}

/** TensorProto.DataType → onnxruntime tensor type names. */
export const elementTypes: Record<number, string> = {
  1: 'float32',
  2: 'uint8',
  3: 'int8',
  4: 'uint16',
  5: 'int16',
  6: 'int32',
  7: 'int64',
  8: 'string',
  9: 'bool',
  10: 'float16',
  11: 'float64',
  12: 'uint32',
  13: 'uint64',
  14: 'complex64',
  15: 'complex128',
  16: 'bfloat16',
};

const WINDOW = 1024 * 1024;

/** A read cursor over a ByteSource with a read-ahead window. */
class WireCursor {
  pos = 0;
  private window: Buffer = Buffer.alloc(0);
  private windowStart = 0;

  constructor(private readonly source: ByteSource) {}

  get size() {
    return this.source.size;
  }

  private async ensure(n: number, limit: number) {
    if (this.pos + n > limit) throw new ModelFormatError('truncated', `the file ends inside a field at byte ${this.pos}`);
    if (this.pos >= this.windowStart && this.pos + n <= this.windowStart + this.window.length) return;
    this.windowStart = this.pos;
    this.window = await this.source.read(this.pos, Math.min(Math.max(n, WINDOW), this.size - this.pos));
  }

  async byte(limit: number) {
    await this.ensure(1, limit);
    const b = this.window[this.pos++ - this.windowStart];
    if (b === undefined) throw new ModelFormatError('truncated', `the file ends at byte ${this.pos - 1}`);
    return b;
  }

  async varint(limit: number): Promise<number> {
    let value = 0;
    for (let shift = 0; shift < 64; shift += 7) {
      const b = await this.byte(limit);
      value += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return value;
    }
    throw new ModelFormatError('not_onnx', 'malformed varint');
  }

  async bytes(n: number, limit: number): Promise<Buffer> {
    await this.ensure(n, limit);
    const start = this.pos - this.windowStart;
    this.pos += n;
    return this.window.subarray(start, start + n);
  }

  skip(n: number, limit: number) {
    if (this.pos + n > limit) throw new ModelFormatError('truncated', `the file ends inside a field at byte ${this.pos}`);
    this.pos += n;
  }
}

interface Field {
  number: number;
  wireType: number;
}

const WIRE = { varint: 0, fixed64: 1, bytes: 2, fixed32: 5 } as const;

async function readField(c: WireCursor, limit: number): Promise<Field> {
  const tag = await c.varint(limit);
  const field = { number: Math.floor(tag / 8), wireType: tag & 7 };
  if (field.number === 0 || ![0, 1, 2, 5].includes(field.wireType)) throw new ModelFormatError('not_onnx', `invalid protobuf tag at byte ${c.pos}`);
  return field;
}

async function skipField(c: WireCursor, f: Field, limit: number) {
  if (f.wireType === WIRE.varint) await c.varint(limit);
  else if (f.wireType === WIRE.fixed64) c.skip(8, limit);
  else if (f.wireType === WIRE.fixed32) c.skip(4, limit);
  else c.skip(await c.varint(limit), limit);
}

/** Expects the wire type ONNX declares for a field; anything else means this is not an ONNX model. */
function expectWire(f: Field, wireType: number, what: string) {
  if (f.wireType !== wireType) throw new ModelFormatError('not_onnx', `field ${what} has the wrong wire type`);
}

async function lengthDelimited(c: WireCursor, f: Field, limit: number, what: string) {
  expectWire(f, WIRE.bytes, what);
  const length = await c.varint(limit);
  return { length, end: c.pos + length };
}

const longToNumber = (v: unknown): number => (typeof v === 'number' ? v : v ? Number(String(v)) : 0);

function tensorInfo(bytes: Buffer): TensorInfo {
  const info = onnx.ValueInfoProto.decode(bytes);
  const tensor = info.type?.tensorType;
  if (!tensor) return { name: info.name, type: info.type?.sequenceType ? 'sequence' : info.type?.mapType ? 'map' : 'unknown', shape: null };
  // Decoded messages carry defaults on the prototype; only own properties were in the file.
  const dim = (d: object & { dimParam?: string | null; dimValue?: unknown }): Dim =>
    d.dimParam ? d.dimParam : Object.hasOwn(d, 'dimValue') ? longToNumber(d.dimValue) : null;
  const shape = tensor.shape ? (tensor.shape.dim ?? []).map(dim) : null;
  return { name: info.name, type: elementTypes[tensor.elemType ?? 0] ?? 'undefined', shape };
}

/** Reads an initializer's name and dims only; its data is skipped. */
async function initializerHeader(c: WireCursor, end: number) {
  const dims: number[] = [];
  let name = '';
  while (c.pos < end) {
    const f = await readField(c, end);
    if (f.number === 1 && f.wireType === WIRE.varint) dims.push(await c.varint(end));
    else if (f.number === 1 && f.wireType === WIRE.bytes) {
      const length = await c.varint(end);
      const packedEnd = c.pos + length;
      while (c.pos < packedEnd) dims.push(await c.varint(packedEnd));
    } else if (f.number === 8 && f.wireType === WIRE.bytes) name = (await c.bytes(await c.varint(end), end)).toString('utf8');
    else await skipField(c, f, end);
  }
  return { name, elements: dims.reduce((a, b) => a * b, 1) };
}

async function readGraph(c: WireCursor, end: number, model: ModelDescription) {
  const declaredInputs: TensorInfo[] = [];
  const initializerNames = new Set<string>();
  while (c.pos < end) {
    const f = await readField(c, end);
    if (f.number === 1) {
      await lengthDelimited(c, f, end, 'graph.node').then(({ length }) => c.skip(length, end));
      model.node_count++;
    } else if (f.number === 2) {
      const { length } = await lengthDelimited(c, f, end, 'graph.name');
      model.graph_name = (await c.bytes(length, end)).toString('utf8');
    } else if (f.number === 5) {
      const { end: tensorEnd } = await lengthDelimited(c, f, end, 'graph.initializer');
      const init = await initializerHeader(c, tensorEnd);
      initializerNames.add(init.name);
      model.initializer_count++;
      model.parameter_count += init.elements;
    } else if (f.number === 11 || f.number === 12) {
      const { length } = await lengthDelimited(c, f, end, f.number === 11 ? 'graph.input' : 'graph.output');
      const info = tensorInfo(await c.bytes(length, end));
      (f.number === 11 ? declaredInputs : model.outputs).push(info);
    } else await skipField(c, f, end);
  }
  // Before IR 4 every initializer was also listed as a graph input; callers feed only the rest.
  model.inputs = declaredInputs.filter((i) => !initializerNames.has(i.name));
}

/** Describes a model from its bytes; throws ModelFormatError when it is not a (whole) ONNX model. */
export async function readModel(source: ByteSource): Promise<ModelDescription> {
  const c = new WireCursor(source);
  const end = source.size;
  const model: ModelDescription = {
    ir_version: 0,
    opset_imports: [],
    producer_name: '',
    producer_version: '',
    domain: '',
    model_version: 0,
    graph_name: '',
    inputs: [],
    outputs: [],
    node_count: 0,
    initializer_count: 0,
    parameter_count: 0,
    metadata_props: {},
  };
  let sawGraph = false;
  try {
    while (c.pos < end) {
      const f = await readField(c, end);
      if (f.number === 1) {
        expectWire(f, WIRE.varint, 'ir_version');
        model.ir_version = await c.varint(end);
      } else if (f.number === 2 || f.number === 3 || f.number === 4) {
        const { length } = await lengthDelimited(c, f, end, 'producer');
        const text = (await c.bytes(length, end)).toString('utf8');
        if (f.number === 2) model.producer_name = text;
        else if (f.number === 3) model.producer_version = text;
        else model.domain = text;
      } else if (f.number === 5) {
        expectWire(f, WIRE.varint, 'model_version');
        model.model_version = await c.varint(end);
      } else if (f.number === 7) {
        const { end: graphEnd } = await lengthDelimited(c, f, end, 'graph');
        await readGraph(c, graphEnd, model);
        sawGraph = true;
      } else if (f.number === 8) {
        const { length } = await lengthDelimited(c, f, end, 'opset_import');
        const opset = onnx.OperatorSetIdProto.decode(await c.bytes(length, end));
        model.opset_imports.push({ domain: opset.domain || 'ai.onnx', version: longToNumber(opset.version) });
      } else if (f.number === 14) {
        const { length } = await lengthDelimited(c, f, end, 'metadata_props');
        const entry = onnx.StringStringEntryProto.decode(await c.bytes(length, end));
        model.metadata_props[entry.key] = entry.value;
      } else await skipField(c, f, end);
    }
  } catch (e) {
    // A cut-off file that started like a model is "truncated"; garbage that merely ran past the end is "not ONNX".
    if (e instanceof ModelFormatError && e.problem === 'truncated' && model.ir_version === 0) {
      throw new ModelFormatError('not_onnx', 'the file is not an ONNX model');
    }
    if (e instanceof ModelFormatError) throw e;
    throw new ModelFormatError('not_onnx', `the file is not an ONNX model (${(e as Error).message})`);
  }
  if (model.ir_version === 0 || !sawGraph) throw new ModelFormatError('not_onnx', 'the file is not an ONNX model (no IR version or no graph)');
  return model;
}
