/**
 * Inference with onnxruntime-node. Sessions are cached by the model's sha256 (so every revision
 * sharing the bytes shares the session) in an LRU bounded by the total size of the cached models.
 * Inputs are checked against the described graph before anything reaches onnxruntime.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as ort from 'onnxruntime-node';
import { z } from 'zod';
import type { App } from '../../core/app';
import type { Caller } from '../../core/access';
import { badRequest } from '../../core/errors';
import { requireRevision } from '../../core/resources';
import { descriptionOf, requireFile, storeOf, type ModelFile } from './files';
import type { Dim, TensorInfo } from './model-reader';

export const tensorInput = z.object({
  type: z.string().min(1),
  dims: z.array(z.number().int().nonnegative()).max(16),
  data: z.array(z.union([z.number(), z.string(), z.boolean()])),
});
export const runInputs = z.record(z.string(), tensorInput);
export type RunInputs = z.infer<typeof runInputs>;

const typedArrays = {
  float32: Float32Array,
  float64: Float64Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
} as const;
type NumericType = keyof typeof typedArrays;
const supportedTypes = new Set<string>([...Object.keys(typedArrays), 'bool', 'string']);

interface CachedSession {
  session: ort.InferenceSession;
  /** the model's local copy, removed with the session (it is fetched again when needed) */
  file: string;
}

/** LRU of sessions per process; Map iteration order is insertion order, so the first is the oldest. */
const sessions = new Map<string, Promise<CachedSession>>();
const sizes = new Map<string, number>();

async function localModelFile(app: App, file: ModelFile): Promise<string> {
  const dir = path.join(app.config.dataDir, 'onnx-cache');
  const target = path.join(dir, `${file.sha256}.onnx`);
  if (
    await stat(target).then(
      () => true,
      () => false,
    )
  )
    return target;
  await mkdir(dir, { recursive: true });
  const partial = `${target}.${process.pid}.${Date.now()}.part`;
  await pipeline(await storeOf(app).get(file.storageKey), createWriteStream(partial));
  await rename(partial, target); // content-addressed: concurrent writers write the same bytes
  return target;
}

async function sessionFor(app: App, file: ModelFile): Promise<ort.InferenceSession> {
  const key = file.sha256;
  let entry = sessions.get(key);
  if (entry) {
    sessions.delete(key);
    sessions.set(key, entry);
  } else {
    entry = localModelFile(app, file).then(async (p) => ({ session: await ort.InferenceSession.create(p), file: p }));
    sessions.set(key, entry);
    sizes.set(key, file.size);
    entry.catch(() => (sessions.delete(key), sizes.delete(key)));
    await evict(app.config.BLOBHUB_ONNX_SESSION_CACHE_BYTES, key);
  }
  return (await entry).session;
}

async function evict(limit: number, keep: string) {
  let total = [...sizes.values()].reduce((a, b) => a + b, 0);
  for (const key of [...sessions.keys()]) {
    if (total <= limit) return;
    if (key === keep) continue;
    const entry = sessions.get(key)!;
    sessions.delete(key);
    total -= sizes.get(key) ?? 0;
    sizes.delete(key);
    void entry.then(async (e) => (await e.session.release(), await rm(e.file, { force: true }))).catch(() => undefined);
  }
}

/** The number of sessions currently cached (for tests of the bound). */
export const cachedSessionCount = () => sessions.size;

function dimMatches(expected: Dim, actual: number | undefined) {
  return typeof expected !== 'number' || expected === actual;
}

/** Every problem with the inputs, against the graph's declared inputs. */
export function inputProblems(declared: TensorInfo[], inputs: RunInputs): string[] {
  const problems: string[] = [];
  const names = new Set(declared.map((d) => d.name));
  for (const name of Object.keys(inputs)) if (!names.has(name)) problems.push(`${name}: the model has no such input`);
  for (const d of declared) {
    const given = inputs[d.name];
    if (!given) {
      problems.push(`${d.name}: missing (expected ${d.type}${d.shape ? ` of shape [${d.shape.map(String).join(', ')}]` : ''})`);
      continue;
    }
    if (given.type !== d.type) problems.push(`${d.name}: type ${given.type} given, the model expects ${d.type}`);
    if (!supportedTypes.has(given.type)) problems.push(`${d.name}: type ${given.type} cannot be sent as JSON`);
    if (d.shape && (d.shape.length !== given.dims.length || d.shape.some((s, i) => !dimMatches(s, given.dims[i])))) {
      problems.push(`${d.name}: dims [${given.dims.join(', ')}] do not fit the shape [${d.shape.map(String).join(', ')}]`);
    }
    const elements = given.dims.reduce((a, b) => a * b, 1);
    if (given.data.length !== elements) problems.push(`${d.name}: ${given.data.length} values given, dims [${given.dims.join(', ')}] hold ${elements}`);
  }
  return problems;
}

function toTensor(input: z.infer<typeof tensorInput>): ort.Tensor {
  if (input.type === 'string') return new ort.Tensor('string', input.data.map(String), input.dims);
  if (input.type === 'bool') return new ort.Tensor('bool', Uint8Array.from(input.data.map((v) => (v ? 1 : 0))), input.dims);
  const Array_ = typedArrays[input.type as NumericType];
  const values = input.type === 'int64' || input.type === 'uint64' ? input.data.map((v) => BigInt(v as number)) : input.data.map(Number);
  return new ort.Tensor(input.type as NumericType, (Array_ as unknown as { from(v: unknown[]): ort.Tensor.DataType }).from(values), input.dims);
}

/** JSON for a tensor: 64-bit integers become numbers when exact, strings otherwise. */
function fromTensor(tensor: ort.Tensor) {
  const data = Array.from(tensor.data as ArrayLike<unknown>, (v) =>
    typeof v === 'bigint' ? (Number.isSafeInteger(Number(v)) ? Number(v) : v.toString()) : tensor.type === 'bool' ? Boolean(v) : v,
  );
  return { type: tensor.type, dims: [...tensor.dims], data };
}

/** Runs a described model file with checked inputs; the caller has already been authorized. */
export async function runModelFile(app: App, file: ModelFile, inputs: RunInputs) {
  const problems = inputProblems(descriptionOf(file).inputs, inputs);
  if (problems.length > 0) throw badRequest(`the inputs do not fit the model: ${problems[0]}`, { problems });
  const session = await sessionFor(app, file);
  const feeds = Object.fromEntries(Object.entries(inputs).map(([name, input]) => [name, toTensor(input)]));
  const results = await session.run(feeds);
  return { outputs: Object.fromEntries(Object.entries(results).map(([name, tensor]) => [name, fromTensor(tensor)])) };
}

/**
 * Runs a model revision for a caller with the same access and input checks as the `run` command
 * (the workflow component `ml.onnx` calls this).
 */
export async function runModel(app: App, input: { caller: Caller; revisionId: string; path?: string; inputs: RunInputs }) {
  const { revision, blob } = await requireRevision(app.db, input.caller, input.revisionId, 'read');
  if (blob.type !== 'onnx') throw badRequest(`revision ${input.revisionId} is not an ONNX model`);
  const parsed = runInputs.safeParse(input.inputs);
  if (!parsed.success) throw badRequest('invalid model inputs', parsed.error.issues);
  const file = await requireFile(app.db, revision, input.path, 'model');
  // the model's blob and file go into the lineage of the execution that ran it
  return { ...(await runModelFile(app, file, parsed.data)), blobId: blob.id, path: file.path };
}
