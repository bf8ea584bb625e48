/**
 * The ONNX page in a real Chromium against a real platform storing models in MinIO: upload a
 * 40 MiB model in parts straight to the presigned URLs with visible progress, read its
 * description, download it and run it.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { s3Env } from '../../engines/onnx/test-client';
import { writeBigModel } from '../../engines/onnx/test-models';
import { openBrowser, type TestBrowser } from '../support/browser';
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
  expect((await p.admin.post('/orgs/acme/blobs', { name: 'adder', type: 'onnx' })).status).toBe(200);
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

describe('the ONNX page', () => {
  it('uploads a 40 MiB model in parallel parts to the presigned URLs, with progress', async () => {
    expect(model.size).toBeGreaterThan(40 * MiB);
    await page.goto('/signin');
    await field('Email').fill(p.env.BLOBHUB_ADMIN_EMAIL);
    await field('Password').fill(p.env.BLOBHUB_ADMIN_PASSWORD);
    await button('Sign in').click();
    await page.getByTestId('signed-in-as').waitFor();
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
    expect(seen.some((v) => v > 0 && v < 100), `progress values ${seen.join(',')}`).toBe(true);
    expect(partPuts).toHaveLength(3);
    expect(new Set(partPuts.map((u) => new URL(u).searchParams.get('partNumber')))).toEqual(new Set(['1', '2', '3']));
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
    const [download] = await Promise.all([page.waitForEvent('download'), button('Download model').click()]);
    const saved = path.join(dir, 'downloaded.onnx');
    await download.saveAs(saved);
    expect(createHash('sha256').update(readFileSync(saved)).digest('hex')).toBe(model.sha256);
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
});
