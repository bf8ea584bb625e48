/**
 * The workflow editor and playground in a real Chromium against a real platform (PostgreSQL,
 * Temporal, worker): a person builds input n → fibonacci code → output on the canvas by mouse,
 * sees a bad config pinned on its component, fixes it, saves, runs it in the playground and
 * watches the components light up; a committed revision is read-only until a new draft is opened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { comp, definition, ENGINE, flow, newWorkflowBlob, upload } from '../support/workflow';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';
import { startTestPlatform, type TestPlatform } from '../support/platform';

let p: TestPlatform;
let browser: TestBrowser;
let page: Page;
let blob: { blobId: string; revisionId: string };

beforeAll(async () => {
  p = await startTestPlatform();
  blob = await newWorkflowBlob(p.admin, 'acme', 'flows');
  browser = await openBrowser(p.url);
  page = browser.page;
});
afterAll(async () => {
  await browser?.close();
  await p?.close();
});

const field = (label: string) => page.getByLabel(label, { exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });
const node = (name: string) => page.locator(`[data-testid="component-node"][data-name="${name}"]`);
const handle = (name: string, id: string) => node(name).locator(`[data-handleid="${id}"]`);
const inspector = () => page.getByTestId('inspector');
const codeEditor = () => inspector().locator('.cm-content');

const FIB_CODE = [
  "const n = get_data_input('n').integer;",
  'let a = 0, b = 1;',
  'for (let i = 0; i < n; i++) [a, b] = [b, a + b];',
  "set_data_output('result', create_value('integer', a), true);",
  "set_session_object('last_fibonacci', { n, value: a });",
].join('\n');

async function centerOf(locator: Locator) {
  const box = (await locator.boundingBox())!;
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Drags from one handle to another with the mouse, as a person connects two ports. */
async function connect(from: Locator, to: Locator) {
  const a = await centerOf(from);
  const b = await centerOf(to);
  await page.mouse.move(a.x, a.y);
  await page.mouse.down();
  await page.mouse.move((a.x + b.x) / 2, (a.y + b.y) / 2, { steps: 5 });
  await page.mouse.move(b.x, b.y, { steps: 5 });
  await page.mouse.up();
}

async function dragFromCatalog(type: string, x: number, y: number) {
  await page.getByTestId(`catalog-${type}`).dragTo(page.getByTestId('canvas'), { targetPosition: { x, y } });
}

const select = (name: string) => node(name).locator('p').first().click();

async function addPort(component: string, what: string, name: string) {
  await select(component);
  await inspector().getByLabel(`New ${what}`, { exact: true }).fill(name);
  await inspector()
    .getByRole('button', { name: `Add ${what}`, exact: true })
    .click();
}

describe('the workflow editor', () => {
  it('shows the engine catalog and builds a three-component flow by mouse: drag from the catalog, drag handle to handle', async () => {
    await signInAsAdmin(page, p.env);
    await page.goto('/orgs/acme/blobs/flows');
    await page.getByRole('link', { name: 'Editor' }).click();
    await page.getByText('Drag a component from the catalog onto the canvas.').waitFor();
    await button('Catalog').click();
    // the catalog is the engine's own, ml.onnx (registered by the ONNX engine) included
    await page.getByTestId('catalog-ml.onnx').waitFor();

    await dragFromCatalog('flow.start', 10, 30);
    await dragFromCatalog('logic.code', 240, 130);
    await dragFromCatalog('flow.end', 470, 300);
    await expect.poll(() => page.getByTestId('component-node').count()).toBe(3);

    await addPort('Start', 'input', 'n');
    await addPort('Code', 'data output', 'result');
    await connect(handle('Start', 'route:success'), handle('Code', 'flow_input'));
    await connect(handle('Start', 'out:n'), handle('Code', 'in:+'));
    await connect(handle('Code', 'route:success'), handle('End', 'flow_input'));
    await connect(handle('Code', 'out:result'), handle('End', 'in:+'));
    // the free input took the name of the output it joins
    await handle('Code', 'in:n').waitFor();
    await handle('End', 'in:result').waitFor();
    await expect.poll(() => page.locator('.react-flow__edge').count()).toBe(4);
    await page.getByTestId('validation-state').getByText('Valid', { exact: true }).waitFor();
    await browser.screenshot('workflow-editor-built');
    // leaving with unsaved edits asks first
    await page.getByRole('link', { name: 'Executions' }).click();
    await page.getByRole('alertdialog', { name: 'Unsaved changes' }).waitFor();
    await button('Stay').click();
    expect(new URL(page.url()).pathname).toBe('/orgs/acme/blobs/flows/editor');
    expect(await page.getByTestId('component-node').count()).toBe(3);
  });

  it('pins a config error on the bad component as you edit, refuses to save it, and saves once it is fixed', async () => {
    await select('Code');
    await codeEditor().fill('');
    await expect.poll(() => node('Code').getAttribute('data-invalid')).toBe('true');
    await node('Code')
      .getByTestId('node-errors')
      .getByText(/logic\.code config\.code/)
      .waitFor();
    await page
      .getByTestId('problems')
      .getByText(/Code: logic\.code config\.code/)
      .waitFor();
    await button('Save').click();
    await page.getByRole('alert').filter({ hasText: 'the definition is invalid' }).waitFor();
    expect((await p.admin.data(blob.revisionId, ENGINE, 'list_definitions', {})).body.definitions).toEqual([]);
    await browser.screenshot('workflow-editor-invalid');

    await codeEditor().fill(FIB_CODE);
    await expect.poll(() => node('Code').getAttribute('data-invalid')).toBe('false');
    await page.getByTestId('validation-state').getByText('Valid', { exact: true }).waitFor();
    await button('Save').click();
    await page.getByTestId('save-state').getByText('Saved', { exact: true }).waitFor();

    const saved = (await p.admin.data(blob.revisionId, ENGINE, 'get_definition', { alias: 'main' })).body.definition.definition;
    const ids = Object.fromEntries(saved.components.map((c: { name: string; id: string }) => [c.name, c.id]));
    expect(saved.components.map((c: { type: string }) => c.type).sort()).toEqual(['flow.end', 'flow.start', 'logic.code']);
    expect(saved.components.find((c: { type: string }) => c.type === 'logic.code').config).toEqual({ language: 'javascript', code: FIB_CODE });
    const wires = saved.connections.map(
      (c: Record<string, string>) => `${c.source_id}.${c.source_port}>${c.target_id}.${c.target_port}${c.route ? `:${c.route}` : ''}`,
    );
    expect(wires.sort()).toEqual(
      [
        `${ids.Start}.flow_output>${ids.Code}.flow_input:success`,
        `${ids.Code}.flow_output>${ids.End}.flow_input:success`,
        `${ids.Start}.n>${ids.Code}.n`,
        `${ids.Code}.result>${ids.End}.result`,
      ].sort(),
    );
  });

  it('runs it in the playground with typed inputs: the nodes light up live, each shows its outputs, and a rerun uses the same inputs', async () => {
    await field('Type of n').selectOption('integer');
    await field('Value of n').fill('10');
    await button('Run').click();
    await page.getByTestId('playground-status').getByText('succeeded').waitFor();
    for (const name of ['Start', 'Code', 'End']) await expect.poll(() => node(name).getAttribute('data-run-state')).toBe('exited');
    await node('Code').getByTestId('node-run').getByText('done → success').waitFor();
    await page.getByTestId('playground-output').getByText('"integer": 55').waitFor();

    await select('Code');
    await page.getByTestId('run-outputs').getByText('"integer": 55').waitFor();
    await select('End');
    await page.getByTestId('run-outputs').getByText("the execution's output data").waitFor();
    await page.getByTestId('run-outputs').getByText('"integer": 55').waitFor();
    await page.getByTestId('session-objects').getByRole('button', { name: 'last_fibonacci' }).click();
    await page.getByTestId('session-objects').getByText('"value": 55').waitFor();
    await browser.screenshot('workflow-playground-run');

    const first = await page.getByRole('link', { name: /^Open execution/ }).textContent();
    await button('Rerun with the same inputs').click();
    await expect.poll(() => page.getByRole('link', { name: /^Open execution/ }).textContent()).not.toBe(first);
    await page.getByTestId('playground-status').getByText('succeeded').waitFor();
    const executions = (await p.admin.data(blob.revisionId, ENGINE, 'list_executions', {})).body.executions;
    expect(executions).toHaveLength(2);
    expect(executions.map((e: { input_data: unknown }) => e.input_data)).toEqual([
      [{ alias: 'n', value: { type: 'integer', integer: 10 } }],
      [{ alias: 'n', value: { type: 'integer', integer: 10 } }],
    ]);
    // both ran in the playground's one session
    expect(new Set(executions.map((e: { session_id: string }) => e.session_id)).size).toBe(1);
  });

  it('refuses edits on a committed revision with a clear message, and opens a new draft to edit', async () => {
    expect((await p.admin.post(`/revisions/${blob.revisionId}/commit`)).status).toBe(200);
    await page.reload();
    await page
      .getByTestId('read-only')
      .getByText(/is committed: its definitions cannot change/)
      .waitFor();
    await expect.poll(() => page.getByTestId('component-node').count()).toBe(3);
    await expect.poll(() => button('Save').count()).toBe(0);
    // dragging a component does not move it (the drag pans the canvas, the layout stays)
    const offset = async () => {
      const [code, start] = [(await node('Code').boundingBox())!, (await node('Start').boundingBox())!];
      return { x: code.x - start.x, y: code.y - start.y };
    };
    const before = await offset();
    const grip = await centerOf(node('Code').locator('p').first());
    await page.mouse.move(grip.x, grip.y);
    await page.mouse.down();
    await page.mouse.move(grip.x + 150, grip.y + 120, { steps: 5 });
    await page.mouse.up();
    expect(await offset()).toEqual(before);
    await select('Code');
    expect(await inspector().getByLabel('Name', { exact: true }).isDisabled()).toBe(true);

    await button('Open a new draft').click();
    await page.getByTestId('read-only').waitFor({ state: 'detached' });
    await page.getByTestId('save-state').getByText('Saved', { exact: true }).waitFor();
    await expect.poll(() => page.getByTestId('component-node').count()).toBe(3);
    const revisions = (await p.admin.get(`/blobs/${blob.blobId}/revisions`)).body.revisions;
    expect(revisions[0]).toMatchObject({ phase: 'draft', number: 2 });
    expect(new URL(page.url()).searchParams.get('revision')).toBe(revisions[0].id);
  });

  it('lights each component up while it runs, as its events arrive', async () => {
    const draft = new URL(page.url()).searchParams.get('revision')!;
    await upload(
      p.admin,
      draft,
      'slow',
      definition([comp('s', 'flow.start'), comp('wait', 'flow.delay', { seconds: 15 }), comp('e', 'flow.end')], [flow('s', 'wait'), flow('wait', 'e')]),
    );
    await page.reload();
    await field('Definition').selectOption('slow');
    await expect.poll(() => page.getByTestId('component-node').count()).toBe(3);
    await button('Run').click();
    // the timer is running: the start is done, the end has not been reached (the timer is long
    // enough to be seen on a loaded machine)
    await expect.poll(() => node('wait').getAttribute('data-run-state'), { timeout: 10_000 }).toBe('running');
    expect(await node('s').getAttribute('data-run-state')).toBe('exited');
    expect(await node('e').getAttribute('data-run-state')).toBe('idle');
    await browser.screenshot('workflow-playground-live');
    await expect.poll(() => node('e').getAttribute('data-run-state'), { timeout: 30_000 }).toBe('exited');
    await page.getByTestId('playground-status').getByText('succeeded').waitFor();
  });
});
