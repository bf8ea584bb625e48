/**
 * Issue 23: the editor's catalog, read from the server, offers sql.query, s3.get_object,
 * s3.put_object and data.transform, and a component of each gets its config form from the type's
 * schema, with its errors pinned on it until the required fields are filled.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { newWorkflowBlob } from '../support/workflow';

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  await newWorkflowBlob(p.admin, 'acme', 'flows');
  browser = await openBrowser(p.url);
  page = browser.page;
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

const node = (name: string) => page.locator(`[data-testid="component-node"][data-name="${name}"]`);
const inspector = () => page.getByTestId('inspector');

it('offers the data components in the catalog, each with its config form', async () => {
  await signInAsAdmin(page, p.env);
  await page.goto('/orgs/acme/blobs/flows');
  await page.getByRole('link', { name: 'Editor' }).click();
  // the catalog opens from the toolbar below 1536 px
  await page.getByRole('button', { name: 'Catalog', exact: true }).click();
  for (const type of ['sql.query', 's3.get_object', 's3.put_object', 'data.transform']) await page.getByTestId(`catalog-${type}`).waitFor();
  expect(await page.getByTestId('catalog-sql.query').getAttribute('title')).toContain('parameterized SQL statement');

  await page.getByTestId('catalog-sql.query').click();
  // a new component is selected: its form has the schema's fields, and it is invalid until they are set
  await expect.poll(() => node('Query').getAttribute('data-invalid')).toBe('true');
  await inspector().getByLabel('credential', { exact: true }).fill('shop');
  await inspector().getByLabel('query', { exact: true }).fill('select * from orders where id = $1');
  await expect.poll(() => node('Query').getAttribute('data-invalid')).toBe('false');

  await page.getByTestId('catalog-data.transform').click();
  await inspector().getByLabel('expression', { exact: true }).fill('orders[total > ]');
  await node('Transform')
    .getByTestId('node-errors')
    .getByText(/JSONata syntax error/)
    .waitFor();
  await browser.screenshot('data-components-editor');
});
