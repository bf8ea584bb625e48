/**
 * The ONNX page in a real Chromium against a real platform storing models in MinIO: upload a
 * 40 MiB model in parts straight to the presigned URLs with visible progress, read its
 * description, download it and run it; cut an upload off with a page reload and resume it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page, Route } from 'playwright-core';
import { s3Env } from '../support/onnx-client';
import { writeBigModel } from '../support/onnx-models';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const MiB = 1024 * 1024;

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;
let dir: string;
let model: { file: string; size: number; sha256: string };

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-web-onnx-'));
  const file = path.join(dir, 'big.onnx');
  model = { file, ...(await writeBigModel(file, 10 * MiB)) };
  p = await startTestPlatform({ env: s3Env() });
  expect((await p.admin.post('/orgs', { name: 'acme' })).status).toBe(200);
  for (const name of ['adder', 'resumable', 'discarded']) expect((await p.admin.post('/orgs/acme/blobs', { name, type: 'onnx' })).status).toBe(200);
  browser = await openBrowser(p.url);
  page = browser.page;
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
  rmSync(dir, { recursive: true, force: true });
});

const field = (label: string) => page.getByLabel(label, { exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });
const partNumberOf = (url: string) => new URL(url).searchParams.get('partNumber');
/** The SHA-256 of what "Download model" saves. */
async function downloadedSha256() {
  const [download] = await Promise.all([page.waitForEvent('download'), button('Download model').click()]);
  const saved = path.join(dir, `downloaded-${Date.now()}.onnx`);
  await download.saveAs(saved);
  return createHash('sha256').update(readFileSync(saved)).digest('hex');
}
/** The upload the page keeps in localStorage (null when none is kept). */
const savedUpload = () =>
  page.evaluate<{ operation_id: string; finished: unknown[] } | null>(`(() => {
    const key = Object.keys(localStorage).find((k) => k.startsWith('blobhub.onnx-upload.'));
    return key ? JSON.parse(localStorage.getItem(key)) : null;
  })()`);

/** Starts uploading the model to the blob and reloads the page once parts 1 and 2 are on the server (part 3 is held back, then dropped). */
async function interruptedUpload(blob: string) {
  await page.goto(`/orgs/acme/blobs/${blob}`);
  await page.getByRole('link', { name: 'Model' }).click();
  await page.getByText('No model on this revision yet.').waitFor();
  const isPart3 = (url: URL) => url.searchParams.get('partNumber') === '3';
  let held: Route | undefined;
  await page.route(isPart3, (route) => void (held = route));
  await field('ONNX file').setInputFiles(model.file);
  await button('Upload').click();
  await expect.poll(async () => (await savedUpload())?.finished.length, { timeout: 60_000 }).toBe(2);
  expect(held).toBeDefined();
  await held!.abort();
  await page.unroute(isPart3);
  await page.reload();
  await page.getByTestId('upload-interrupted').getByText('An upload of big.onnx (40.0 MiB) was interrupted after 2 parts').waitFor();
}

describe('the ONNX page', () => {
  it('uploads a 40 MiB model in parallel parts to the presigned URLs, with progress', async () => {
    expect(model.size).toBeGreaterThan(40 * MiB);
    await signInAsAdmin(page, p.env);
    await page.goto('/orgs/acme/blobs/adder');
    await page.getByRole('link', { name: 'Model' }).click();
    await page.getByText('No model on this revision yet.').waitFor();

    const partPuts: string[] = [];
    page.on('request', (r) => r.method() === 'PUT' && !r.url().startsWith(p.url) && partPuts.push(r.url()));
    await field('ONNX file').setInputFiles(model.file);
    // Every value the progress bar shows, from the page itself (not sampled by the test).
    await page.evaluate(`
      window.progressSeen = [];
      new MutationObserver(() => {
        const bar = document.querySelector('[role=progressbar]');
        if (bar) window.progressSeen.push(Number(bar.getAttribute('aria-valuenow')));
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    `);
    await button('Upload').click();
    await page.getByTestId('upload-progress').getByText('100% of 40.0 MiB in 3 parts — uploaded').waitFor({ timeout: 60_000 });
    const seen = await page.evaluate<number[]>('window.progressSeen');
    expect(
      seen.some((v) => v > 0 && v < 100),
      `progress values ${seen.join(',')}`,
    ).toBe(true);
    expect(partPuts).toHaveLength(3);
    expect(new Set(partPuts.map(partNumberOf))).toEqual(new Set(['1', '2', '3']));
    await browser.screenshot('onnx-uploaded');
  });

  it('describes the model once the server has read it: inputs and outputs with dims and types, opsets, parameters', async () => {
    const description = page.getByTestId('model-description');
    await description.waitFor({ timeout: 60_000 });
    const inputs = await page.getByTestId('model-inputs').getByRole('row').allTextContents();
    expect(inputs.slice(1)).toEqual(['Afloat32[batch, 3]', 'Bfloat32[batch, 3]']);
    expect(await page.getByTestId('model-outputs').getByRole('row').nth(1).textContent()).toBe('Yfloat32[batch, 3]');
    expect(await page.getByTestId('fact-Opsets').textContent()).toBe('ai.onnx 13');
    expect(await page.getByTestId('fact-Parameters').textContent()).toBe((10 * MiB).toLocaleString('en-US'));
    expect(await page.getByTestId('fact-SHA-256').textContent()).toBe(model.sha256);
    await browser.screenshot('onnx-described');
  });

  it('downloads the model byte for byte', async () => {
    expect(await downloadedSha256()).toBe(model.sha256);
  });

  it('runs the model on typed inputs and shows its outputs', async () => {
    expect(await field('A dims').inputValue()).toBe('1, 3');
    await field('A values').fill('1, 2, 3');
    await field('B values').fill('10, 20, 30');
    await button('Run model').click();
    await page.getByTestId('output-Y').getByText('11, 22, 33').waitFor();
    // A value that is not a number is explained, not sent.
    await field('B values').fill('10, x, 30');
    await button('Run model').click();
    await page.getByRole('alert').filter({ hasText: 'Please check your input' }).filter({ hasText: 'B: the values must be numbers' }).waitFor();
    await browser.screenshot('onnx-run');
  });

  it('resumes an upload a page reload cut off: only the part the server lacks is sent again', async () => {
    await interruptedUpload('resumable');
    const puts: string[] = [];
    page.on('request', (r) => r.method() === 'PUT' && !r.url().startsWith(p.url) && puts.push(r.url()));
    await field('ONNX file').setInputFiles(model.file);
    await button('Resume upload').click();
    await page.getByTestId('upload-resuming').getByText('Resuming: 2 of 3 parts were already on the server').waitFor();
    await page.getByTestId('upload-progress').getByText('100% of 40.0 MiB in 3 parts — uploaded').waitFor({ timeout: 60_000 });
    await browser.screenshot('onnx-resumed');
    expect(puts.map(partNumberOf)).toEqual(['3']);
    expect(await savedUpload()).toBeNull();

    await page.getByTestId('model-description').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('fact-SHA-256').textContent()).toBe(model.sha256);
    expect(await downloadedSha256()).toBe(model.sha256);
  });

  it('discards an interrupted upload on request: the server frees its parts', async () => {
    await interruptedUpload('discarded');
    const { operation_id } = (await savedUpload())!;
    await button('Discard the interrupted upload').click();
    await page.getByTestId('upload-interrupted').waitFor({ state: 'detached' });
    expect(await savedUpload()).toBeNull();
    expect((await p.admin.get(`/operations/${operation_id}`)).body.operation).toMatchObject({ status: 'stopped', error: { code: 'cancelled' } });
    await button('Upload').waitFor();
  });
});
