/** The ONNX engine (docs/spec.md §7): model hosting on the blob store and inference with onnxruntime-node. */
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import type { App } from '../../core/app';
import { sha256Hex } from '../../core/crypto';
import { defineCommand, type Engine, type RevisionRow } from '../../core/engines';
import { userIdOf } from '../../core/access';
import { onnxFiles } from '../../db/schema';
import { listFiles, modelWire, requireFile, storeOf } from './files';
import { runInputs, runModelFile } from './inference';
import { cancelUpload, completeUpload, initiateUpload, resumeUpload, startUnfinishedProcessing, sweepStaleUploads } from './uploads';
import { onnxHttpExtension } from './http';
import { modelPath } from './model-path';
import { createOnnxActivities } from './temporal/activities';
import { ENGINE_NAME } from './engine-name';
import { logger } from '../../core/log';
import { executionsUsingModel } from '../workflow/lineage';

const MiB = 1024 * 1024;
/** Files larger than this are offered as ranged download parts too. */
const DOWNLOAD_PART_SIZE = 64 * MiB;

const operationId = z.string().regex(/^op_[0-9a-z]{26}$/, 'an operation id');

async function initiateDownload(app: App, revision: RevisionRow, path: string | undefined, expiresIn: number) {
  const file = await requireFile(app.db, revision, path);
  const store = storeOf(app);
  const whole = await store.signDownload(file.storageKey, expiresIn);
  const ranges: { start: number; end: number }[] = [];
  for (let start = 0; start < file.size; start += DOWNLOAD_PART_SIZE) ranges.push({ start, end: Math.min(start + DOWNLOAD_PART_SIZE, file.size) - 1 });
  const parts = await Promise.all(
    ranges.map(async (range, i) => {
      const signed = ranges.length === 1 ? whole : await store.signDownload(file.storageKey, expiresIn, range);
      return { part_number: i + 1, offset: range.start, size: range.end - range.start + 1, download: { url: signed.url, headers: signed.headers } };
    }),
  );
  return { url: whole.url, expires_at: whole.expiresAt.toISOString(), path: file.path, size: file.size, sha256: file.sha256, operation: { parts } };
}

/** The data commands, as a typed map (the SDK derives its parameter types from it). */
export const onnxCommands = {
  initiate_upload: defineCommand({
    kind: 'command',
    draftOnly: true,
    input: z.object({
      path: modelPath.default('model.onnx'),
      size: z
        .number()
        .int()
        .positive()
        .max(5 * 1024 * 1024 * MiB),
      sha256: z
        .string()
        .regex(/^[0-9a-f]{64}$/, 'lower-case hex SHA-256')
        .optional(),
    }),
    run: ({ app, caller, revision }, input) => initiateUpload(app, { revision, ...input, createdBy: userIdOf(caller) }),
  }),
  complete_upload: defineCommand({
    kind: 'command',
    draftOnly: true,
    input: z.object({
      operation_id: operationId,
      parts: z
        .array(z.object({ part_number: z.number().int().positive().optional(), hash: z.string().min(1).max(128) }))
        .min(1)
        .max(10_000),
    }),
    run: ({ app, revision }, input) => completeUpload(app, revision, input.operation_id, input.parts),
  }),
  // A command although it changes nothing: it hands out upload URLs, so it needs write access.
  resume_upload: defineCommand({
    kind: 'command',
    draftOnly: true,
    input: z.object({ operation_id: operationId }),
    run: ({ app, revision }, input) => resumeUpload(app, revision, input.operation_id),
  }),
  cancel_upload: defineCommand({
    kind: 'command',
    draftOnly: true,
    input: z.object({ operation_id: operationId }),
    run: ({ app, revision }, input) => cancelUpload(app, revision, input.operation_id),
  }),
  describe: defineCommand({
    kind: 'query',
    input: z.object({ path: modelPath.optional() }),
    async run({ app, revision }, input) {
      const files = await listFiles(app.db, revision.id);
      const components = files.map((f) => ({ path: f.path, size: f.size, sha256: f.sha256 }));
      // A revision holding only other files (an older client's tarball) lists them, with no model.
      if (!input.path && files.length > 0 && !files.some((f) => f.description)) return { model: null, components };
      return { model: modelWire(await requireFile(app.db, revision, input.path, 'model')), components };
    },
  }),
  initiate_download: defineCommand({
    kind: 'query',
    input: z.object({
      path: modelPath.optional(),
      expires_in: z
        .number()
        .int()
        .min(1)
        .max(7 * 24 * 3600)
        .default(3600),
    }),
    run: ({ app, revision }, input) => initiateDownload(app, revision, input.path, input.expires_in),
  }),
  list_model_usage: defineCommand({
    kind: 'query',
    input: z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) }),
    async run({ app, caller, revision }, { limit }) {
      return { executions: await executionsUsingModel(app, caller, revision.id, limit) };
    },
  }),
  run: defineCommand({
    kind: 'query',
    input: z.object({ path: modelPath.optional(), inputs: runInputs }),
    async run({ app, revision }, input) {
      return runModelFile(app, await requireFile(app.db, revision, input.path, 'model'), input.inputs);
    },
  }),
};

export const onnxEngine: Engine<typeof onnxCommands> = {
  name: ENGINE_NAME,
  aliases: ['onnx'],
  blobType: 'onnx',
  commands: onnxCommands,
  httpRoutes: onnxHttpExtension,
  workflows: fileURLToPath(new URL('./temporal/workflows.ts', import.meta.url)),
  activities: createOnnxActivities,

  async validateForCommit(_app, _tx, revision) {
    if (revision.status === 'failed') return [{ message: `the last upload failed: ${revision.statusReason ?? 'unknown reason'}` }];
    return [];
  },

  // Bytes are content-addressed: the new draft points at the same stored objects.
  async copyContent(tx, from, to) {
    const files = await tx.select().from(onnxFiles).where(eq(onnxFiles.revisionId, from.id));
    if (files.length > 0) await tx.insert(onnxFiles).values(files.map((f) => ({ ...f, revisionId: to.id, createdAt: new Date() })));
  },

  async contentHash(tx, revision) {
    const files = await tx
      .select({ path: onnxFiles.path, sha256: onnxFiles.sha256 })
      .from(onnxFiles)
      .where(eq(onnxFiles.revisionId, revision.id))
      .orderBy(onnxFiles.path);
    return sha256Hex(files.map((f) => `${f.path}\0${f.sha256}`).join('\n'));
  },

  /** For as long as the API runs: sweep stale multipart uploads, and start processing workflows that never started. */
  async start(app) {
    const period = Math.min(app.config.BLOBHUB_ONNX_UPLOAD_TTL_SECONDS, 300) * 1000;
    const reconcile = () => startUnfinishedProcessing(app).catch((e) => logger.error({ err: e }, 'onnx: could not start processing'));
    const sweeper = setInterval(() => {
      void sweepStaleUploads(app).catch((e) => logger.error({ err: e }, 'onnx: sweep of stale uploads failed'));
      void reconcile();
    }, period);
    sweeper.unref();
    void reconcile();
    return async () => clearInterval(sweeper);
  },
};
