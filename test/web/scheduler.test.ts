/**
 * The scheduler page in a real Chromium against a real platform (PostgreSQL, Temporal Schedules,
 * worker): build a cron schedule and see its next fire times from the server, pause with a note,
 * unpause, trigger now and follow the history entry to the workflow execution it started; edit a
 * schedule's timing, policies and target; see changes made elsewhere (REST) without a reload.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { SCHEDULER, startSchedulerFixture, targetOf, type SchedulerFixture } from '../support/scheduler';
import { openBrowser, signInAsAdmin, type TestBrowser } from '../support/browser';

let fx: SchedulerFixture;
let browser: TestBrowser;
let page: Page;

beforeAll(async () => {
  fx = await startSchedulerFixture();
  browser = await openBrowser(fx.p.url);
  page = browser.page;
});
afterAll(async () => {
  await browser?.close();
  await fx?.close();
});

const field = (label: string) => page.getByLabel(label, { exact: true });
const button = (name: string) => page.getByRole('button', { name, exact: true });
const detail = () => page.getByTestId('schedule-detail');
const serverSchedule = async (id: string) =>
  (await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'get_schedule', { schedule_id: id })).body.schedule;
/** A `datetime-local` value for the instant, in the browser's own zone. */
const localInput = (at: Date) =>
  page.evaluate<string>(`(() => {
    const d = new Date(${at.getTime()});
    const p = (n) => String(n).padStart(2, '0');
    return d.getFullYear() + '-' + p(d.getMonth() + 1) + '-' + p(d.getDate()) + 'T' + p(d.getHours()) + ':' + p(d.getMinutes());
  })()`);
const fireTimes = () => page.getByTestId('next-fire-times').getByRole('listitem');

describe('the scheduler page', () => {
  it('builds a cron expression and shows its next five fire times in the chosen time zone, from the server', async () => {
    await signInAsAdmin(page, fx.p.env);
    await page.goto('/orgs/acme/blobs/timers');
    await page.getByRole('link', { name: 'Schedules' }).click();
    await page.getByText('No schedules on this revision yet.').waitFor();

    await field('Time zone').selectOption('Asia/Tokyo');
    await field('Preset').selectOption({ label: 'Every day at 09:00' });
    await field('Minutes').fill('30');
    expect(await field('Cron expression').inputValue()).toBe('30 9 * * ? *');
    const expected = await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'preview_schedule', {
      cron_expression: '30 9 * * ? *',
      timezone: 'Asia/Tokyo',
      count: 5,
    });
    await expect.poll(async () => (await fireTimes().allTextContents()).filter((t) => t.includes('9:30')).length).toBe(5);
    const tokyo = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', dateStyle: 'medium' });
    const shown = await fireTimes().allTextContents();
    expect(shown.map((t) => t.split(',').slice(0, 2).join(','))).toEqual(expected.body.next_fire_times.map((t: string) => tokyo.format(new Date(t))));

    // An expression EventBridge refuses is explained before anything is saved.
    await field('Day of week').fill('MON');
    await page.getByRole('alert').filter({ hasText: 'cron_expression' }).waitFor();
    await field('Day of week').fill('?');
    await expect.poll(() => fireTimes().count()).toBe(5);
    await browser.screenshot('scheduler-cron-builder');
  });

  it('creates the schedule against a workflow definition; it is listed and opens with its next fires', async () => {
    await field('Description').fill('Morning fibonacci');
    await field('Overlap policy').selectOption('buffer_one');
    await field('Catch-up window (seconds)').fill('300');
    await field('Definition').selectOption('fib');
    await field('Input data (JSON)').fill('[{"alias": "n", "value": {"type": "integer", "integer": 10}}]');
    await button('Create schedule').click();
    const row = page.getByTestId('schedules-table').getByRole('row').filter({ hasText: 'Morning fibonacci' });
    await row.getByText('cron(30 9 * * ? *)').waitFor();
    await row.getByRole('button', { name: 'Open' }).click();
    await detail().getByText('buffer one').waitFor();
    await detail().getByText('fib on flows').waitFor();
    expect(await detail().getByRole('listitem').count()).toBe(5);

    const [listed] = (await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'list_schedules', {})).body.schedules;
    expect(listed).toMatchObject({
      description: 'Morning fibonacci',
      cron_expression: '30 9 * * ? *',
      timezone: 'Asia/Tokyo',
      overlap_policy: 'buffer_one',
      catchup_window_seconds: 300,
      state: 'active',
    });
  });

  it('pauses with a note and unpauses', async () => {
    const id = new URL(page.url()).searchParams.get('schedule')!;
    await field('Pause note').fill('database maintenance');
    await button('Pause').click();
    await detail().getByTestId('pause-note').getByText('database maintenance').waitFor();
    expect(await serverSchedule(id)).toMatchObject({ state: 'paused', pause_note: 'database maintenance', next_fire_times: [] });
    await browser.screenshot('scheduler-paused');

    await button('Unpause').click();
    await field('Pause note').waitFor();
    expect(await serverSchedule(id)).toMatchObject({ state: 'active' });
    expect(await detail().getByRole('listitem').count()).toBe(5);
  });

  it('backfills a past window: the fire it missed runs and is listed with its scheduled time', async () => {
    // The last 09:30 in Tokyo (00:30 UTC) that is over.
    const fire = new Date();
    fire.setUTCHours(0, 30, 0, 0);
    if (fire.getTime() > Date.now() - 60_000) fire.setUTCDate(fire.getUTCDate() - 1);
    await field('Backfill from').fill(await localInput(new Date(fire.getTime() - 10 * 60_000)));
    await field('Backfill to').fill(await localInput(new Date(fire.getTime() + 10 * 60_000)));
    await button('Backfill').click();
    const history = page.getByTestId('schedule-history');
    await history.getByText('success').waitFor({ timeout: 60_000 });
    const [record] = (
      await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'list_executions', { schedule_id: new URL(page.url()).searchParams.get('schedule') })
    ).body.executions;
    expect(record).toMatchObject({ status: 'success', scheduled_at: fire.toISOString() });
    expect(await history.getByRole('row').nth(1).textContent()).toContain(await page.evaluate<string>(`new Date('${fire.toISOString()}').toLocaleString()`));
  });

  it('triggers now: the history shows a successful fire linking to the execution it started', async () => {
    await button('Trigger now').click();
    const rows = page.getByTestId('schedule-history').getByRole('row');
    await expect.poll(() => rows.filter({ hasText: 'success' }).count(), { timeout: 60_000 }).toBe(2);
    await browser.screenshot('scheduler-history');
    await rows.nth(1).getByRole('link').click();
    await page.waitForURL(/\/orgs\/acme\/blobs\/flows\/revisions\/rev_[^/]+\/executions\/exe_/);
    await page.getByTestId('execution-status').getByText('succeeded').waitFor({ timeout: 30_000 });
  });

  it('creates a one-time schedule at a local time in its zone; it fires once and completes', async () => {
    await page.goto('/orgs/acme/blobs/timers/schedules');
    const runAt = new Intl.DateTimeFormat('sv-SE', { timeZone: 'Europe/Berlin', dateStyle: 'short', timeStyle: 'medium' })
      .format(new Date(Date.now() + 20_000))
      .replace(' ', 'T');
    await field('Description').fill('One-off');
    await field('Repeat').selectOption('one_time');
    await field('Time zone').selectOption('Europe/Berlin');
    await field('Run at').fill(runAt);
    await field('Definition').selectOption('fib');
    await field('Input data (JSON)').fill('[{"alias": "n", "value": {"type": "integer", "integer": 7}}]');
    await button('Create schedule').click();
    const row = page.getByTestId('schedules-table').getByRole('row').filter({ hasText: 'One-off' });
    await row.getByText(`once at ${runAt}`).waitFor();
    await row.getByRole('button', { name: 'Open' }).click();
    await page.getByTestId('schedule-history').getByText('success').waitFor({ timeout: 60_000 });
    const id = new URL(page.url()).searchParams.get('schedule')!;
    await expect.poll(async () => (await serverSchedule(id)).state, { timeout: 30_000 }).toBe('completed');
  });

  it('edits a schedule: cron, time zone, overlap, catch-up and target change, and its next fires follow', async () => {
    await page.goto('/orgs/acme/blobs/timers/schedules');
    const row = page.getByTestId('schedules-table').getByRole('row').filter({ hasText: 'Morning fibonacci' });
    await row.getByRole('button', { name: 'Open' }).click();
    const id = new URL(page.url()).searchParams.get('schedule')!;
    await button('Edit schedule').click();
    expect(await field('Cron expression').inputValue()).toBe('30 9 * * ? *');
    expect(await field('Time zone').inputValue()).toBe('Asia/Tokyo');
    expect(await field('Catch-up window (seconds)').inputValue()).toBe('300');
    // An expression the server refuses is explained, and the schedule stays as it was.
    await field('Cron expression').fill('0 12 1 * MON *');
    await button('Save schedule').click();
    await page.getByRole('alert').filter({ hasText: 'cron_expression' }).first().waitFor();
    expect(await serverSchedule(id)).toMatchObject({ cron_expression: '30 9 * * ? *', timezone: 'Asia/Tokyo' });
    await field('Time zone').selectOption('Europe/Paris');
    await field('Cron expression').fill('0 12 ? * MON-FRI *');
    await field('Overlap policy').selectOption('allow_all');
    await field('Catch-up window (seconds)').fill('600');
    await field('Definition').selectOption('slow');
    await field('Input data (JSON)').fill('[{"alias": "n", "value": {"type": "integer", "integer": 3}}]');
    await button('Save schedule').click();

    await detail().getByText('cron(0 12 ? * MON-FRI *)').waitFor();
    await detail().getByText('allow all').waitFor();
    await detail().getByText('slow on flows').waitFor();
    await detail().getByText('600 s').waitFor();
    // The edit form closed; the new-schedule form is back.
    await button('Create schedule').waitFor();
    const saved = await serverSchedule(id);
    expect(saved).toMatchObject({
      cron_expression: '0 12 ? * MON-FRI *',
      timezone: 'Europe/Paris',
      overlap_policy: 'allow_all',
      catchup_window_seconds: 600,
      state: 'active',
    });
    expect(saved.invocation_target).toMatchObject({ workflow_alias: 'slow', input_data: [{ alias: 'n', value: { type: 'integer', integer: 3 } }] });
    const expected = await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'preview_schedule', {
      cron_expression: '0 12 ? * MON-FRI *',
      timezone: 'Europe/Paris',
      count: 5,
    });
    expect(saved.next_fire_times).toEqual(expected.body.next_fire_times);
    const paris = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Paris', dateStyle: 'medium' });
    await expect
      .poll(async () => (await detail().getByRole('listitem').allTextContents()).map((t) => t.split(',').slice(0, 2).join(',')))
      .toEqual(expected.body.next_fire_times.map((t: string) => paris.format(new Date(t))));
    expect((await detail().getByRole('listitem').allTextContents()).every((t) => t.includes('12:00'))).toBe(true);
    await browser.screenshot('scheduler-edited');
  });

  it('follows schedules created, paused and fired elsewhere without a reload', async () => {
    const id = new URL(page.url()).searchParams.get('schedule')!;
    const table = page.getByTestId('schedules-table');
    const created = await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'create_schedule', {
      repeat: 'recurring_cron',
      cron_expression: '0 6 * * ? *',
      timezone: 'UTC',
      description: 'Made over REST',
      invocation_target_type: 'workflow',
      invocation_target: targetOf(fx.orgId, fx.target),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    await table.getByRole('row').filter({ hasText: 'Made over REST' }).getByText('cron(0 6 * * ? *)').waitFor();

    const paused = await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'pause_schedule', { schedule_id: id, note: 'paused over REST' });
    expect(paused.status).toBe(200);
    await detail().getByTestId('pause-note').getByText('paused over REST').waitFor();
    await table.getByRole('row').filter({ hasText: 'Morning fibonacci' }).getByText('paused').waitFor();

    const fired = page.getByTestId('schedule-history').getByRole('row').filter({ hasText: 'success' });
    const before = await fired.count();
    expect((await fx.admin.client.data(fx.scheduler.revisionId, SCHEDULER, 'trigger_schedule', { schedule_id: id })).status).toBe(200);
    await expect.poll(() => fired.count(), { timeout: 60_000 }).toBe(before + 1);
    await browser.screenshot('scheduler-live');
  });
});
