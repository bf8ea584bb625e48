/** logic.code: user JavaScript (V8 isolate) or Python (Pyodide) in the sandbox (engines/workflow/sandbox). */
import { z } from 'zod';
import { DEFAULT_MEMORY_BYTES, DEFAULT_TIMEOUT_MS, runLogicCode, UserCodeError, type QueueReason } from '../sandbox';
import { listSessionObjects } from '../session-objects';
import { asValue } from '../values';
import type { ComponentRequest } from '../plan';
import { ComponentError, type ComponentType } from './registry';

export const logicCodeConfig = z
  .object({
    language: z.enum(['javascript', 'python']).default('javascript'),
    code: z
      .string()
      .min(1)
      .max(256 * 1024),
    memory_mb: z.number().int().min(1).max(1024).optional(),
  })
  .strict();
type LogicCodeConfig = z.infer<typeof logicCodeConfig>;

/** The sandbox stops the code just before the activity times out, so it ends as a clean `timeout`. */
const sandboxTimeout = (timeoutMs: number | undefined) => (timeoutMs ? Math.max(1, timeoutMs - 250) : DEFAULT_TIMEOUT_MS);

/**
 * The heap a run gets: what the component asks for (else the sandbox's default), never above the
 * operator's bound, which may have been lowered since the definition was uploaded.
 */
const memoryBytes = (memoryMb: number | undefined, maxMemoryMb: number) => Math.min(memoryMb ? memoryMb * MIB : DEFAULT_MEMORY_BYTES, maxMemoryMb * MIB);
const MIB = 1024 * 1024;

/** BlobHub's metadata objects the code reads as globals: where this run belongs. */
const metadataOf = ({ execution, component, visit }: ComponentRequest, attempt: number) => ({
  blob: { id: execution.blobId, revision_id: execution.revisionId },
  session: { id: execution.sessionId },
  definition: { id: execution.definitionId, alias: execution.alias },
  execution: { id: execution.executionId },
  attributes: { processor_id: component.id, processor_name: component.name, processor_type: component.type, visit, attempt },
});

const queueMessages: Record<QueueReason, string> = {
  org_limit: "waiting for a sandbox thread: the org's share of this worker is in use",
  long_run_limit: 'waiting for a sandbox thread: the threads for long runs are in use',
  pool_full: 'waiting for a sandbox thread: every thread of this worker is in use',
};

export const logicCode: ComponentType<LogicCodeConfig> = {
  type: 'logic.code',
  description: 'Your JavaScript or Python in a sandbox: read inputs with get_data_input, set outputs with set_data_output and the route with set_result.',
  category: 'logic',
  config: logicCodeConfig,
  runsIn: 'local_activity',
  routes: () => 'any',
  inputs: () => 'any',
  outputs: () => 'any',
  async run({ app, request, config, inputs, attempt, signal, queue }) {
    const { execution } = request;
    // set by the queue callbacks below, so typed wide: TypeScript would narrow a plain null to null for good
    let reported = null as Promise<void> | null;
    // most scripts never touch session objects: skip loading them for those
    const objects = /get_session_object|download_session_object|list_session_objects/.test(config.code)
      ? await listSessionObjects(app, execution.sessionId)
      : [];
    const requested = sandboxTimeout(request.component.timeoutMs);
    // and never later than the operator's bound
    const timeoutMs = Math.min(requested, app.config.BLOBHUB_SANDBOX_MAX_TIMEOUT_MS);
    let result;
    try {
      result = await runLogicCode(
        {
          language: config.language,
          code: config.code,
          inputs,
          sessionObjects: Object.fromEntries(objects.map((o) => [o.alias, o.value])),
          metadata: metadataOf(request, attempt),
          limits: {
            memoryBytes: memoryBytes(config.memory_mb, app.config.BLOBHUB_SANDBOX_MAX_MEMORY_MB),
            timeoutMs,
          },
        },
        {
          orgId: execution.orgId,
          signal,
          // recorded in order: queued, then back to running once a thread is free
          onQueued: (reason) => void (reported = queue.queued(queueMessages[reason])),
          onStarted: () => void (reported &&= reported.then(() => queue.started())),
        },
      );
    } catch (e) {
      if (e instanceof UserCodeError && e.kind === 'timeout') {
        const bound = timeoutMs < requested ? ', the bound set by the operator (BLOBHUB_SANDBOX_MAX_TIMEOUT_MS)' : '';
        throw new ComponentError(`${e.message} (${timeoutMs} ms${bound})`, e.kind, e.logs);
      }
      if (e instanceof UserCodeError) throw new ComponentError(e.message, e.kind, e.logs);
      throw e;
    } finally {
      await reported;
    }
    return {
      sessionWrites: result.sessionWrites,
      route: result.result?.route ?? 'success',
      terminal: result.result?.terminal ?? false,
      outputs: Object.fromEntries(Object.entries(result.outputs).map(([port, o]) => [port, { value: asValue(o.value), persist: o.persist }])),
      logs: result.logs,
    };
  },
};
