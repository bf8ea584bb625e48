/** logic.code: user JavaScript in the QuickJS sandbox (engines/workflow/sandbox). */
import { z } from 'zod';
import { runLogicCode, UserCodeError } from '../sandbox';
import { listSessionObjects } from '../session-objects';
import { asValue } from '../values';
import { ComponentError, type ComponentType } from './registry';

export const logicCodeConfig = z
  .object({
    language: z.literal('javascript').default('javascript'),
    code: z.string().min(1).max(256 * 1024),
    memory_mb: z.number().int().min(1).max(1024).optional(),
  })
  .strict();
type LogicCodeConfig = z.infer<typeof logicCodeConfig>;

const SANDBOX_MAX_TIMEOUT_MS = 10 * 60_000;
/** The sandbox stops the code just before the activity times out, so it ends as a clean `timeout`. */
const sandboxTimeout = (timeoutMs?: number) => (timeoutMs ? Math.min(Math.max(1, timeoutMs - 250), SANDBOX_MAX_TIMEOUT_MS) : undefined);

export const logicCode: ComponentType<LogicCodeConfig> = {
  type: 'logic.code',
  category: 'logic',
  config: logicCodeConfig,
  runsIn: 'local_activity',
  routes: () => 'any',
  inputs: () => 'any',
  outputs: () => 'any',
  async run({ app, request, config, inputs }) {
    const { execution } = request;
    // most scripts never touch session objects: skip loading them for those
    const objects = /get_session_object/.test(config.code) ? await listSessionObjects(app, execution.sessionId) : [];
    let result;
    try {
      result = await runLogicCode({
        code: config.code,
        inputs,
        sessionObjects: Object.fromEntries(objects.map((o) => [o.alias, o.value])),
        limits: {
          memoryBytes: config.memory_mb ? config.memory_mb * 1024 * 1024 : undefined,
          timeoutMs: sandboxTimeout(request.component.timeoutMs),
        },
      });
    } catch (e) {
      if (e instanceof UserCodeError) throw new ComponentError(e.message, e.kind, e.logs);
      throw e;
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
