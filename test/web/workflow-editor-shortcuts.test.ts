/**
 * The editor as an n8n or Windmill user works it, in a real Chromium against a real platform: a
 * flow built with the keyboard alone (the palette, Ctrl+S), undo and redo over deletions, renames
 * and drags, copy and paste of components with their config, auto-layout, the full-window canvas
 * at 1024 px with its minimap and side panel; and a live execution drawn on its definition's graph.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { comp, definition, ENGINE, flow, newWorkflowBlob, start, upload } from '../support/workflow';
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

const button = (name: string) => page.getByRole('button', { name, exact: true });
const nodes = () => page.getByTestId('component-node');
const node = (name: string) => page.locator(`[data-testid="component-node"][data-name="${name}"]`);
const edges = () => page.locator('.react-flow__edge');
const names = async () => (await nodes().evaluateAll((list) => list.map((n) => n.getAttribute('data-name')))).sort();
const saveState = () => page.getByTestId('save-state');
const select = (name: string, modifiers: ('Control' | 'Shift')[] = []) => node(name).locator('p').first().click({ modifiers });
const box = async (name: string) => (await node(name).boundingBox())!;

interface Stored {
  components: { id: string; name: string; type: string; config?: unknown; position: { x: number; y: number } }[];
  connections: { id: string; source_id: string; target_id: string; route?: string }[];
}
const stored = async (alias = 'main'): Promise<Stored> => (await p.admin.data(blob.revisionId, ENGINE, 'get_definition', { alias })).body.definition.definition;

/** Opens the palette with `key`, types `query`, moves with the arrow keys to `type` and adds it with Enter. */
async function addFromPalette(key: string, query: string, type: string) {
  await page.keyboard.press(key);
  const palette = page.getByTestId('palette');
  const search = palette.getByRole('combobox', { name: 'Search components' });
  await search.waitFor();
  await page.keyboard.type(query);
  const highlighted = async () => {
    const id = await search.getAttribute('aria-activedescendant');
    return id ? page.locator(`[id="${id}"] p`).first().textContent() : undefined;
  };
  for (let moves = 0; (await highlighted()) !== type; moves++) {
    expect(moves, `${type} among the matches of "${query}"`).toBeLessThan(30);
    await page.keyboard.press('ArrowDown');
  }
  await page.keyboard.press('Enter');
  await palette.waitFor({ state: 'detached' });
}

describe('the editor, as n8n and Windmill users expect it', () => {
  it('builds start → code → end with the keyboard alone: the palette adds each after the last, joined to it; Ctrl+S saves', async () => {
    await signInAsAdmin(page, p.env);
    await page.goto('/orgs/acme/blobs/flows/editor');
    await page.getByText('Drag a component from the catalog onto the canvas.').waitFor();

    await addFromPalette('/', 'start', 'flow.start');
    await addFromPalette('Control+k', 'code', 'logic.code');
    // the arrow keys walk the matches: "flow." matches several, flow.end is not the first
    await addFromPalette('/', 'flow.', 'flow.end');
    expect(await names()).toEqual(['Code', 'End', 'Start']);
    await expect.poll(() => edges().count()).toBe(2);
    // what matches nothing says so
    await page.keyboard.press('/');
    await page.keyboard.type('no such component');
    await page.getByTestId('palette').getByText('No component matches').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('palette').waitFor({ state: 'detached' });

    await page.getByTestId('validation-state').getByText('Valid', { exact: true }).waitFor();
    await saveState().getByText('Unsaved changes').waitFor();
    await page.keyboard.press('Control+s');
    await saveState().getByText('Saved', { exact: true }).waitFor();
    const saved = await stored();
    const id = Object.fromEntries(saved.components.map((c) => [c.name, c.id]));
    expect(saved.connections.map((c) => `${c.source_id}>${c.target_id}:${c.route}`).sort()).toEqual(
      [`${id.Start}>${id.Code}:success`, `${id.Code}>${id.End}:success`].sort(),
    );
    // each one to the right of the one before
    const x = Object.fromEntries(saved.components.map((c) => [c.name, c.position.x]));
    expect(x.Start).toBeLessThan(x.Code!);
    expect(x.Code).toBeLessThan(x.End!);
    await browser.screenshot('editor-keyboard-built');
  });

  it('undoes and redoes deletions, renames and drags (Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y and the buttons); undone back to what is saved, nothing is unsaved', async () => {
    await select('Code');
    await page.keyboard.press('Delete');
    await node('Code').waitFor({ state: 'detached' });
    expect(await edges().count()).toBe(0);
    await page.getByTestId('deleted-notice').getByText('Deleted Code.').waitFor();
    await saveState().getByText('Unsaved changes').waitFor();

    await page.keyboard.press('Control+z');
    await node('Code').waitFor();
    await expect.poll(() => edges().count()).toBe(2);
    await saveState().getByText('Saved', { exact: true }).waitFor();
    await page.keyboard.press('Control+Shift+z');
    await node('Code').waitFor({ state: 'detached' });
    await button('Undo').first().click();
    await node('Code').waitFor();
    await page.keyboard.press('Control+y');
    await node('Code').waitFor({ state: 'detached' });
    await button('Undo').first().click();
    await node('Code').waitFor();

    // a rename typed in the inspector is one step, undone from the canvas
    await select('Code');
    await page.getByTestId('inspector').getByLabel('Name', { exact: true }).fill('Fibonacci');
    await node('Fibonacci').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await node('Code').waitFor();
    await button('Redo').click();
    await node('Fibonacci').waitFor();
    await button('Undo').click();
    await node('Code').waitFor();

    // a drag is one step
    const before = await box('End');
    const grip = { x: before.x + before.width / 2, y: before.y + 12 };
    await page.mouse.move(grip.x, grip.y);
    await page.mouse.down();
    await page.mouse.move(grip.x + 60, grip.y + 90, { steps: 8 });
    await page.mouse.up();
    await expect.poll(async () => (await box('End')).y).toBeGreaterThan(before.y + 50);
    await saveState().getByText('Unsaved changes').waitFor();
    await page.keyboard.press('Control+z');
    await expect.poll(async () => Math.round((await box('End')).y)).toBe(Math.round(before.y));
    await saveState().getByText('Saved', { exact: true }).waitFor();
  });

  it('copies and pastes components with their config, new ids and an offset; the connections among them come along', async () => {
    await select('Code');
    await page.keyboard.press('Control+c');
    await page.keyboard.press('Control+v');
    await node('Code 2').waitFor();
    const [original, copy] = [await box('Code'), await box('Code 2')];
    expect(copy.x).toBeGreaterThan(original.x);
    expect(copy.y).toBeGreaterThan(original.y);
    // a second paste lands further on
    await page.keyboard.press('Control+v');
    await node('Code 3').waitFor();
    expect((await box('Code 3')).x).toBeGreaterThan(copy.x);
    await page.keyboard.press('Control+z');
    await node('Code 3').waitFor({ state: 'detached' });

    // two components and the connection between them, copied as a workflow_definition
    await select('Code');
    await select('End', ['Control']);
    await page.keyboard.press('Control+c');
    const copied = JSON.parse(await page.evaluate<string>('navigator.clipboard.readText()')) as Stored & { type: string };
    expect(copied.type).toBe('workflow_definition');
    expect(copied.components.map((c) => c.name).sort()).toEqual(['Code', 'End']);
    expect(copied.connections).toHaveLength(1);
    await page.keyboard.press('Control+v');
    await node('Code 3').waitFor();
    await node('End 2').waitFor();
    await expect.poll(() => edges().count()).toBe(3);
    const ids = await page.locator('.react-flow__node').evaluateAll((list) => list.map((n) => n.getAttribute('data-id')));
    expect(new Set(ids).size).toBe(6);
    // with its config: the code came along
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await select('Code 3');
    await page.getByTestId('inspector').locator('.cm-content').getByText("create_value('text', 'Hello from BlobHub')").waitFor();
    await browser.screenshot('editor-pasted');
    // the pastes undone, nothing is left unsaved
    await page.locator('.react-flow__pane').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+z');
    await page.keyboard.press('Control+z');
    await node('Code 2').waitFor({ state: 'detached' });
    await saveState().getByText('Saved', { exact: true }).waitFor();
    expect((await stored()).components).toHaveLength(3);
  });

  it('arranges a scrambled definition along its control flow with Auto-layout, in one undoable step', async () => {
    await upload(
      p.admin,
      blob.revisionId,
      'scrambled',
      definition(
        [
          comp('e', 'flow.end', undefined, { name: 'End', position: { x: 0, y: 0 } }),
          comp('w', 'flow.delay', { seconds: 1 }, { name: 'Wait', position: { x: 150, y: 400 } }),
          comp('s', 'flow.start', undefined, { name: 'Start', position: { x: 600, y: 200 } }),
        ],
        [flow('s', 'w'), flow('w', 'e')],
      ),
    );
    await page.goto(`/orgs/acme/blobs/flows/editor?revision=${blob.revisionId}&definition=scrambled`);
    await node('Wait').waitFor();
    await button('Auto-layout').click();
    await saveState().getByText('Unsaved changes').waitFor();
    await expect.poll(async () => (await box('Start')).x < (await box('Wait')).x && (await box('Wait')).x < (await box('End')).x).toBe(true);
    // one row: the three in line
    await expect.poll(async () => Math.abs((await box('Start')).y - (await box('End')).y)).toBeLessThan(30);
    await browser.screenshot('editor-auto-layout');
    await page.keyboard.press('Control+s');
    await saveState().getByText('Saved', { exact: true }).waitFor();
    const x = Object.fromEntries((await stored('scrambled')).components.map((c) => [c.name, c.position.x]));
    expect(x.Start).toBeLessThan(x.Wait!);
    expect(x.Wait).toBeLessThan(x.End!);
    await page.keyboard.press('Control+z');
    await saveState().getByText('Unsaved changes').waitFor();
    await expect.poll(async () => (await box('End')).x < (await box('Start')).x).toBe(true);
  });

  it('fills the window at 1024 px: the canvas to the bottom, the side panel beside it (collapsible), a minimap, no sideways scroll', async () => {
    await page.setViewportSize({ width: 1024, height: 768 });
    await page.goto(`/orgs/acme/blobs/flows/editor?revision=${blob.revisionId}&definition=main`);
    await node('Code').waitFor();
    const canvas = (await page.getByTestId('canvas').boundingBox())!;
    const panel = (await page.getByRole('complementary', { name: 'Inspector and playground' }).boundingBox())!;
    expect(canvas.y + canvas.height).toBeGreaterThan(768 - 24);
    expect(canvas.height).toBeGreaterThan(450);
    expect(panel.x).toBeGreaterThanOrEqual(canvas.x + canvas.width);
    expect(await page.locator('.react-flow__minimap').count()).toBe(1);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(1024);
    await browser.screenshot('editor-1024');
    await button('Side panel').click();
    await page.getByRole('complementary', { name: 'Inspector and playground' }).waitFor({ state: 'detached' });
    await expect.poll(async () => (await page.getByTestId('canvas').boundingBox())!.width).toBeGreaterThan(canvas.width + 300);
    await button('Side panel').click();
    await page.setViewportSize({ width: 1280, height: 860 });
  });
});

describe('the run view', () => {
  it('draws a live execution on its graph: each component waiting, running, succeeded or skipped as its events arrive', async () => {
    await upload(
      p.admin,
      blob.revisionId,
      'slow',
      definition(
        [
          comp('s', 'flow.start', undefined, { name: 'Start' }),
          comp('wait', 'flow.delay', { seconds: 6 }, { name: 'Wait a little' }),
          comp('c', 'logic.code', { language: 'javascript', code: "set_result('success');" }, { name: 'Decide' }),
          comp('e', 'flow.end', undefined, { name: 'Done' }),
          comp('f', 'flow.end', undefined, { name: 'Never reached' }),
        ],
        [flow('s', 'wait'), flow('wait', 'c'), flow('c', 'e'), flow('c', 'f', 'failure')],
      ),
    );
    const execution = await start(p.admin, blob.revisionId, 'slow');
    await page.goto(`/orgs/acme/blobs/flows/revisions/${blob.revisionId}/executions/${execution.id}`);
    const graph = page.getByTestId('run-graph');
    const state = (name: string) => graph.locator(`[data-testid="component-node"][data-name="${name}"]`).getAttribute('data-state');
    await expect.poll(() => state('Wait a little'), { timeout: 20_000 }).toBe('running');
    expect(await state('Start')).toBe('succeeded');
    expect(await state('Done')).toBe('waiting');
    expect(await state('Never reached')).toBe('waiting');
    // the timeline beside it shows the same runs
    await page.getByTestId('run-timeline').getByTestId('timeline-wait').waitFor();
    await browser.screenshot('run-graph-live');
    await expect.poll(() => state('Done'), { timeout: 30_000 }).toBe('succeeded');
    expect(await state('Decide')).toBe('succeeded');
    await expect.poll(() => state('Never reached')).toBe('skipped');
    await page.getByTestId('execution-status').getByText('succeeded').waitFor();
    await browser.screenshot('run-graph-ended');
  });
});
