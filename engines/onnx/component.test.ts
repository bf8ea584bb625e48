/** The workflow component ml.onnx: a flow runs a model revision through the real worker. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, flow, newWorkflowBlob, run, upload } from '../../test/support/workflow';
import { newModelBlob, s3Env, uploadModel } from '../../test/support/onnx-client';
import { cachedSessionCount } from './inference';
import { addModel, matMulModel } from '../../test/support/onnx-models';

let p: TestPlatform;
beforeAll(async () => {
  // Room for one small model's session only, so that a second model evicts the first.
  p = await startTestPlatform({ env: { ...s3Env(), BLOBHUB_ONNX_SESSION_CACHE_BYTES: '200' } });
});
afterAll(() => p?.close());

const tensor = (t: unknown) => ({ type: 'json', json: t });

it('runs a model revision inside a flow and refuses inputs that do not fit the model', async () => {
  const model = await newModelBlob(p.admin);
  await uploadModel(p.admin, model.revisionId, matMulModel());
  const { revisionId } = await newWorkflowBlob(p.admin, 'flows-onnx');
  await upload(
    p.admin,
    revisionId,
    'infer',
    definition(
      [comp('s', 'flow.start'), comp('m', 'ml.onnx', { revision_id: model.revisionId }), comp('e', 'flow.end')],
      [flow('s', 'm'), flow('m', 'e'), data('s', 'x', 'm', 'X'), data('m', 'Y', 'e', 'y')],
    ),
  );
  const ok = await run(p.admin, revisionId, 'infer', [{ alias: 'x', value: tensor({ type: 'float32', dims: [1, 2], data: [1, 1] }) }]);
  expect(ok.status, JSON.stringify(ok)).toBe('completed');
  expect(ok.output_data).toEqual([{ alias: 'y', value: tensor({ type: 'float32', dims: [1, 2], data: [4, 6] }) }]);

  const bad = await run(p.admin, revisionId, 'infer', [{ alias: 'x', value: tensor({ type: 'int64', dims: [1, 2], data: [1, 1] }) }]);
  expect(bad.status).toBe('failed');
  expect(JSON.stringify(bad.error)).toMatch(/type int64 given, the model expects float32/);
});

it('keeps the session cache within its memory bound and rebuilds evicted sessions on demand', async () => {
  const models = [
    { bytes: matMulModel(), inputs: { X: { type: 'float32', dims: [1, 2], data: [1, 0] } }, output: 'Y', expected: [1, 2] },
    {
      bytes: addModel(),
      inputs: { A: { type: 'float32', dims: [1, 3], data: [1, 2, 3] }, B: { type: 'float32', dims: [1, 3], data: [1, 1, 1] } },
      output: 'Y',
      expected: [2, 3, 4],
    },
  ];
  const uploaded = [];
  for (const m of models) {
    const { revisionId } = await newModelBlob(p.admin);
    await uploadModel(p.admin, revisionId, m.bytes);
    uploaded.push({ ...m, revisionId });
  }
  for (const round of [0, 1]) {
    for (const m of uploaded) {
      const res = await p.admin.data(m.revisionId, 'onnx_blobhub', 'run', { inputs: m.inputs });
      expect(res.body.outputs[m.output].data, `round ${round}`).toEqual(m.expected);
      expect(cachedSessionCount()).toBe(1);
    }
  }
});
