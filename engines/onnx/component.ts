/**
 * The workflow component `ml.onnx`: runs a model revision inside a flow, as the user who started
 * the execution and with the same access and input checks as the `run` command. Each data input
 * port is a model input (a json value {type, dims, data}); each model output becomes an output port.
 */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { anonymous, type Caller } from '../../core/access';
import type { App } from '../../core/app';
import { ApiError } from '../../core/errors';
import { users } from '../../db/schema';
import { ComponentError, type ComponentType } from '../workflow/components/registry';
import { recordLineage } from '../workflow/lineage';
import { runModel, tensorInput, type RunInputs } from './inference';

const config = z.object({ revision_id: z.string().regex(/^rev_[0-9a-z]{26}$/, 'a revision id'), path: z.string().min(1).max(256).optional() }).strict();
type MlOnnxConfig = z.infer<typeof config>;

async function callerOf(app: App, userId: string | null): Promise<Caller> {
  if (!userId) return anonymous;
  const [user] = await app.db.select({ isInstanceAdmin: users.isInstanceAdmin }).from(users).where(eq(users.id, userId));
  return user ? { kind: 'user', userId, isInstanceAdmin: user.isInstanceAdmin } : anonymous;
}

export const mlOnnx: ComponentType<MlOnnxConfig> = {
  type: 'ml.onnx',
  description: 'Runs an ONNX model revision: each data input is a model input tensor, each model output an output.',
  category: 'ml',
  config,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  inputs: () => 'any',
  outputs: () => 'any',
  async run({ app, request, config, inputs }) {
    const modelInputs: RunInputs = {};
    for (const [port, value] of Object.entries(inputs)) {
      const tensor = tensorInput.safeParse(value.type === 'json' ? value.json : undefined);
      if (!tensor.success) throw new ComponentError(`input ${port} must be a json value {type, dims, data}`, 'bad_input');
      modelInputs[port] = tensor.data;
    }
    try {
      const caller = await callerOf(app, request.execution.createdBy);
      const { outputs, blobId, path } = await runModel(app, { caller, revisionId: config.revision_id, path: config.path, inputs: modelInputs });
      await recordLineage(app, request, { kind: 'model', ref: config.revision_id, details: { blob_id: blobId, path } });
      return {
        route: 'success',
        outputs: Object.fromEntries(Object.entries(outputs).map(([name, tensor]) => [name, { value: { type: 'json' as const, json: tensor } }])),
      };
    } catch (e) {
      // Refusals (no access, bad inputs, no model) are the flow's to handle, not worth a retry.
      if (e instanceof ApiError && e.specCode !== 'internal' && e.specCode !== 'unavailable') throw new ComponentError(e.message, e.specCode);
      throw e;
    }
  },
};
