/**
 * AWS cron → Temporal: each expression's next fire times, as Temporal computes them, against
 * times worked out by hand (time zones and DST changes included). Also the 400s for bad input.
 */
import { errorCode } from '../../test/support/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { createBlob, SCHEDULER } from '../../test/support/scheduler';

let p: TestPlatform;
let revisionId: string;

beforeAll(async () => {
  p = await startTestPlatform({ worker: false });
  expect((await p.admin.post('/orgs', { name: 'acme' })).status).toBe(200);
  ({ revisionId } = await createBlob(p.admin, 'acme', 'timers', 'scheduler'));
});
afterAll(() => p?.close());

const preview = (params: Record<string, unknown>) => p.admin.data(revisionId, SCHEDULER, 'preview_schedule', params);

const table: { cron: string; timezone: string; start: string; expected: string[]; why: string }[] = [
  {
    why: 'weekdays 09:00 across the US DST start (EST → EDT on 2027-03-14)',
    cron: '0 9 ? * MON-FRI *',
    timezone: 'America/New_York',
    start: '2027-03-10T00:00:00Z',
    expected: ['2027-03-10T14:00:00.000Z', '2027-03-11T14:00:00.000Z', '2027-03-12T14:00:00.000Z', '2027-03-15T13:00:00.000Z', '2027-03-16T13:00:00.000Z'],
  },
  {
    why: 'every 15 minutes (start_date itself included)',
    cron: '*/15 * * * ? *',
    timezone: 'UTC',
    start: '2027-01-01T00:00:00Z',
    expected: ['2027-01-01T00:00:00.000Z', '2027-01-01T00:15:00.000Z', '2027-01-01T00:30:00.000Z', '2027-01-01T00:45:00.000Z', '2027-01-01T01:00:00.000Z'],
  },
  {
    why: 'L: last day of each month, across the UK DST start (GMT → BST on 2027-03-28)',
    cron: '0 12 L * ? *',
    timezone: 'Europe/London',
    start: '2027-01-01T00:00:00Z',
    expected: ['2027-01-31T12:00:00.000Z', '2027-02-28T12:00:00.000Z', '2027-03-31T11:00:00.000Z', '2027-04-30T11:00:00.000Z', '2027-05-31T11:00:00.000Z'],
  },
  {
    why: 'L in a leap year: 29 February',
    cron: '0 12 L * ? *',
    timezone: 'Europe/London',
    start: '2028-01-01T00:00:00Z',
    expected: ['2028-01-31T12:00:00.000Z', '2028-02-29T12:00:00.000Z', '2028-03-31T11:00:00.000Z', '2028-04-30T11:00:00.000Z', '2028-05-31T11:00:00.000Z'],
  },
  {
    why: '#: the second Monday of each month, in a zone without DST',
    cron: '0 10 ? * MON#2 *',
    timezone: 'Asia/Tokyo',
    start: '2027-01-01T00:00:00Z',
    expected: ['2027-01-11T01:00:00.000Z', '2027-02-08T01:00:00.000Z', '2027-03-08T01:00:00.000Z', '2027-04-12T01:00:00.000Z', '2027-05-10T01:00:00.000Z'],
  },
  {
    why: '6L: the last Friday of each month, across the EU DST start (2027-03-28)',
    cron: '0 18 ? * 6L *',
    timezone: 'Europe/Berlin',
    start: '2027-01-01T00:00:00Z',
    expected: ['2027-01-29T17:00:00.000Z', '2027-02-26T17:00:00.000Z', '2027-03-26T17:00:00.000Z', '2027-04-30T16:00:00.000Z', '2027-05-28T16:00:00.000Z'],
  },
  {
    why: 'month names, a year range, and southern-hemisphere DST (AEDT in January, AEST in July)',
    cron: '0 0 1 JAN,JUL ? 2027-2028',
    timezone: 'Australia/Sydney',
    start: '2026-12-01T00:00:00Z',
    expected: ['2026-12-31T13:00:00.000Z', '2027-06-30T14:00:00.000Z', '2027-12-31T13:00:00.000Z', '2028-06-30T14:00:00.000Z'],
  },
  {
    why: 'a stepped start minute, an hour range and a weekday list',
    cron: '5/20 8-10 ? * SAT,SUN *',
    timezone: 'UTC',
    start: '2027-01-01T00:00:00Z',
    expected: ['2027-01-02T08:05:00.000Z', '2027-01-02T08:25:00.000Z', '2027-01-02T08:45:00.000Z', '2027-01-02T09:05:00.000Z', '2027-01-02T09:25:00.000Z'],
  },
];

describe('cron translation (next fire times computed by Temporal)', () => {
  it.each(table)('$cron in $timezone: $why', async ({ cron, timezone, start, expected }) => {
    const res = await preview({ cron_expression: cron, timezone, count: 5, start_date: start });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.next_fire_times).toEqual(expected);
  });

  it('does not fire on the day DST skips its local time (02:30 on 2027-03-14 in New York)', async () => {
    const res = await preview({ cron_expression: '30 2 * * ? *', timezone: 'America/New_York', count: 4, start_date: '2027-03-12T00:00:00Z' });
    expect(res.status).toBe(200);
    const times: string[] = res.body.next_fire_times;
    expect(times).toEqual(['2027-03-12T07:30:00.000Z', '2027-03-13T07:30:00.000Z', '2027-03-15T06:30:00.000Z', '2027-03-16T06:30:00.000Z']);
  });

  it('never lists times after end_date', async () => {
    const res = await preview({
      cron_expression: '0 0 * * ? *',
      timezone: 'UTC',
      count: 10,
      start_date: '2027-01-01T00:00:00Z',
      end_date: '2027-01-03T12:00:00Z',
    });
    expect(res.body.next_fire_times).toEqual(['2027-01-01T00:00:00.000Z', '2027-01-02T00:00:00.000Z', '2027-01-03T00:00:00.000Z']);
  });
});

describe('bad cron input is a 400 that names the problem', () => {
  it.each([
    ['0 9 * * MON *', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['0 9 ? * ? *', 'exactly one of day-of-month and day-of-week must be "?"'],
    ['0 9 * * *', 'expected six fields'],
    ['61 9 ? * MON *', 'minutes value 61 is outside 0-59'],
    ['0 9 15W * ? *', 'W (nearest weekday)'],
    ['0 9 ? * FOO *', 'day-of-week value "FOO"'],
    ['0 9 ? * MON#6 *', 'week number after # must be 1-5'],
    ['0 9 L-2 * ? *', 'L in day-of-month is supported only on its own'],
    ['0 18-9 * * ? *', 'runs backwards'],
  ])('%s', async (cron, message) => {
    const res = await preview({ cron_expression: cron, timezone: 'UTC' });
    expect(res.status).toBe(400);
    expect(errorCode(res)).toBe('bad_request');
    expect(res.body.message).toContain('cron_expression');
    expect(res.body.message).toContain(message);
  });

  it('an unknown time zone names the timezone field', async () => {
    const res = await preview({ cron_expression: '0 9 * * ? *', timezone: 'Mars/Olympus_Mons' });
    expect(res.status).toBe(400);
    expect(res.body.details[0].path).toEqual(['timezone']);
  });
});
