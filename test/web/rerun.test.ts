/**
 * Rerun and lineage in a real Chromium against a real platform: a run calls a service with a
 * credential, runs an ONNX model, then posts to a flaky service that fails once. On the failed
 * run's page, "Rerun from here" on the failed component starts a rerun that reuses the call and the
 * model's outputs and succeeds; the rerun links back to the original, the original lists it, the
 * lineage names the credential by alias and the model revision, and the model's page lists the runs.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { newModelBlob, s3Env, uploadModel } from '../support/onnx-client';
import { matMulModel } from '../support/onnx-models';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { comp, data, definition, flow, newWorkflowBlob, run, upload } from '../support/workflow';

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;
let service: http.Server;
let rev: string;
let modelRevisionId: string;
let modelOrg: string;
/** requests per path: /count answers how many it had, /post fails its first request */
const hits: Record<string, number> = {};

function startService() {
  service = http.createServer((req, res) => {
    const n = (hits[req.url ?? '/'] = (hits[req.url ?? '/'] ?? 0) + 1);
    const failing = req.url === '/post' && n === 1;
    res.writeHead(failing ? 503 : 200, { 'content-type': 'application/json' }).end(JSON.stringify({ hits: n }));
  });
  return new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
}

beforeAll(async () => {
  await startService();
  const url = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
  p = await startTestPlatform({ env: s3Env() });
  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'acme'));
  const model = await newModelBlob(p.admin);
  await uploadModel(p.admin, model.revisionId, matMulModel());
  modelRevisionId = model.revisionId;
  modelOrg = model.org;
  const orgId = (await p.admin.get('/orgs/acme')).body.org.id;
  const stored = await p.admin.post(`/orgs/${orgId}/credentials`, {
    alias: 'service-token',
    type: 'bearer',
    body: { token: 'tok-9b1e3c' },
    allowed_hosts: [new URL(url).host],
  });
  expect(stored.status, JSON.stringify(stored.body)).toBe(200);
  await upload(
    p.admin,
    rev,
    'pipeline',
    definition(
      [
        comp('s', 'flow.start'),
        comp('call', 'http.request', { url: `${url}/count`, credential: 'service-token' }),
        comp('model', 'ml.onnx', { revision_id: modelRevisionId }),
        comp('post', 'http.request', { url: `${url}/post` }, { retry: { maximum_attempts: 1 } }),
        comp('e', 'flow.end'),
      ],
      [
        flow('s', 'call'),
        flow('call', 'model'),
        flow('model', 'post'),
        flow('post', 'e'),
        data('s', 'x', 'model', 'X'),
        data('call', 'body', 'e', 'counted'),
        data('model', 'Y', 'e', 'y'),
      ],
    ),
  );
  browser = await openBrowser(p.url);
  page = browser.page;
});
afterAll(async () => {
  service?.close();
  await browser?.close();
  await p?.close();
});

const status = () => page.getByTestId('execution-status');

describe('rerun and lineage on the execution page', () => {
  it('reruns from the failed component, links the runs both ways and shows what they used', async () => {
    const x = { alias: 'x', value: { type: 'json', json: { type: 'float32', dims: [1, 2], data: [1, 1] } } };
    const failed = await run(p.admin, rev, 'pipeline', [x]);
    expect(failed.status).toBe('failed');

    await signInAsAdmin(page, p.env);
    const executions = `/orgs/acme/blobs/flows/revisions/${rev}/executions`;
    await page.goto(`${executions}/${failed.id}`);
    await status().getByText('failed').waitFor();
    const lineage = page.getByTestId('lineage');
    await lineage.getByTestId('lineage-credentials').getByText('service-token').waitFor();
    await lineage.getByTestId('lineage-models').getByText(modelRevisionId).waitFor();
    expect(await page.getByText('tok-9b1e3c').count()).toBe(0);

    await page.getByTestId('component-post').getByRole('button', { name: 'Rerun from here' }).click();
    await page.waitForURL((u) => u.pathname.startsWith(`${executions}/`) && !u.pathname.endsWith(failed.id));
    await status().getByText('succeeded').waitFor();
    const rerunId = page.url().split('/').pop()!;
    // the call and the model ran once, in the original: the rerun reused their outputs
    expect(hits).toEqual({ '/count': 1, '/post': 2 });
    expect(await page.getByTestId('component-call').count()).toBe(0);
    await browser.screenshot('workflow-rerun');

    await page.getByTestId('rerun-of').click();
    await page.waitForURL((u) => u.pathname.endsWith(failed.id));
    await page.getByTestId('reruns').getByRole('link', { name: rerunId }).waitFor();
  });

  it("lists on a model's page the executions that ran it", async () => {
    await page.goto(`/orgs/${modelOrg}/blobs/model/model?revision=${modelRevisionId}`);
    const usage = page.getByTestId('model-usage');
    // the failed run and its rerun: the rerun reused the model's output, so it did not run the model
    const rows = usage.getByRole('row').filter({ hasText: 'pipeline' });
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await browser.screenshot('onnx-model-usage');
    await rows.getByRole('link').click();
    await page.waitForURL((u) => u.pathname.startsWith('/orgs/acme/blobs/flows/revisions/'));
    await status().getByText('failed').waitFor();
  });
});
