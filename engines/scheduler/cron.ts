/**
 * AWS EventBridge Scheduler cron (`min hour day-of-month month day-of-week year`) → Temporal
 * calendar specs. Temporal calendars have no `L`, `W` or `#`, so those are rewritten into
 * calendars plus skip rules where an exact rewrite exists; anything else is refused by name.
 */
import { DAYS_OF_WEEK, MONTHS, type CalendarSpec, type DayOfWeek, type Month, type Range } from '@temporalio/client';
import { ApiError } from '../../core/errors';

export interface CronCalendars {
  calendars: CalendarSpec[];
  skip: CalendarSpec[];
}

/** A 400 naming the field, shaped like a zod issue so clients can point at it. */
export function fieldError(field: string, message: string): ApiError {
  return new ApiError('bad_request', `${field}: ${message}`, { details: [{ path: [field], message }] });
}

const cronError = (message: string) => fieldError('cron_expression', message);

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldRule {
  name: string;
  min: number;
  max: number;
  /** three-letter names, index 0 = `min` */
  names?: string[];
}

const rules = {
  minute: { name: 'minutes', min: 0, max: 59 },
  hour: { name: 'hours', min: 0, max: 23 },
  dayOfMonth: { name: 'day-of-month', min: 1, max: 31 },
  month: { name: 'month', min: 1, max: 12, names: monthNames },
  dayOfWeek: { name: 'day-of-week', min: 1, max: 7, names: dayNames },
  year: { name: 'year', min: 1970, max: 2199 },
} satisfies Record<string, FieldRule>;

function parseValue(text: string, rule: FieldRule): number {
  const named = rule.names?.indexOf(text.toUpperCase()) ?? -1;
  if (named >= 0) return rule.min + named;
  if (!/^\d+$/.test(text)) throw cronError(`${rule.name} value "${text}" is not a number${rule.names ? ' or a name' : ''}`);
  const n = Number(text);
  if (n < rule.min || n > rule.max) throw cronError(`${rule.name} value ${n} is outside ${rule.min}-${rule.max}`);
  return n;
}

/** `*`, `n`, `a-b`, with an optional `/step`, in a comma list → numeric ranges (AWS numbering). */
function parseRanges(field: string, rule: FieldRule): Range<number>[] {
  return field.split(',').map((part) => {
    const [base = '', stepText, ...extra] = part.split('/');
    if (extra.length > 0 || base === '') throw cronError(`${rule.name} element "${part}" is malformed`);
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw cronError(`${rule.name} step "${stepText}" must be a positive integer`);
      step = Number(stepText);
    }
    if (base === '*') return { start: rule.min, end: rule.max, step };
    const [from = '', to, ...more] = base.split('-');
    if (more.length > 0) throw cronError(`${rule.name} range "${base}" is malformed`);
    const start = parseValue(from, rule);
    // `n/step` runs from n to the end of the field, as in AWS and Quartz.
    const end = to !== undefined ? parseValue(to, rule) : stepText !== undefined ? rule.max : start;
    if (end < start) throw cronError(`${rule.name} range "${base}" runs backwards (wrap-around ranges are not supported)`);
    return { start, end, step };
  });
}

const isFullRange = ([only, ...others]: Range<number>[], rule: FieldRule) =>
  others.length === 0 && only?.start === rule.min && only.end === rule.max && only.step === 1;

/** Temporal's name of month or weekday `n` (1-based); parseValue kept `n` within its field. */
function nameAt<T>(names: readonly T[], n: number): T {
  const name = names[n - 1];
  if (name === undefined) throw new Error(`no name for ${n}`);
  return name;
}

const monthRange = (r: Range<number>): Range<Month> => ({ start: nameAt(MONTHS, r.start), end: nameAt(MONTHS, r.end), step: r.step });
const dayRange = (r: Range<number>): Range<DayOfWeek> => ({ start: nameAt(DAYS_OF_WEEK, r.start), end: nameAt(DAYS_OF_WEEK, r.end), step: r.step });

const thirtyOneDayMonths: Month[] = ['JANUARY', 'MARCH', 'MAY', 'JULY', 'AUGUST', 'OCTOBER', 'DECEMBER'];
const thirtyDayMonths: Month[] = ['APRIL', 'JUNE', 'SEPTEMBER', 'NOVEMBER'];
/** Leap years in the AWS year range 1970-2199 (1900 and 2100 are not leap years). */
const leapYears: Range<number>[] = [
  { start: 1972, end: 2096, step: 4 },
  { start: 2104, end: 2196, step: 4 },
];
/** Skip rules match whole days, so every time field is a wildcard. */
const wholeDay = { second: '*', minute: '*', hour: '*' } as const;

interface DayRule {
  dayOfMonth?: CalendarSpec['dayOfMonth'];
  dayOfWeek?: CalendarSpec['dayOfWeek'];
  skip: CalendarSpec[];
}

/** `L` in day-of-month: the days 28-31, minus each day that is not its month's last. */
const lastDayOfMonth: DayRule = {
  dayOfMonth: { start: 28, end: 31 },
  skip: [
    { ...wholeDay, month: [...thirtyOneDayMonths, ...thirtyDayMonths], dayOfMonth: { start: 28, end: 29 } },
    { ...wholeDay, month: thirtyOneDayMonths, dayOfMonth: 30 },
    { ...wholeDay, month: 'FEBRUARY', dayOfMonth: 28, year: leapYears },
  ],
};

/** `nL` in day-of-week: that weekday within the last seven days of the month. */
const lastWeekdayOfMonth = (day: DayOfWeek): DayRule => ({
  dayOfWeek: day,
  dayOfMonth: { start: 22, end: 31 },
  skip: [
    { ...wholeDay, month: thirtyOneDayMonths, dayOfMonth: { start: 22, end: 24 } },
    { ...wholeDay, month: thirtyDayMonths, dayOfMonth: { start: 22, end: 23 } },
    { ...wholeDay, month: 'FEBRUARY', dayOfMonth: 22, year: leapYears },
  ],
});

function dayOfMonthRule(field: string): DayRule {
  const upper = field.toUpperCase();
  if (upper === 'L') return lastDayOfMonth;
  if (upper.includes('W')) throw cronError('W (nearest weekday) in day-of-month is not supported: Temporal calendars cannot express it');
  if (upper.includes('L')) throw cronError(`"${field}": L in day-of-month is supported only on its own (last day of the month)`);
  const ranges = parseRanges(field, rules.dayOfMonth);
  return { dayOfMonth: isFullRange(ranges, rules.dayOfMonth) ? '*' : ranges, skip: [] };
}

function dayOfWeekRule(field: string): DayRule {
  const upper = field.toUpperCase();
  const nth = /^(\w+)#(\d)$/.exec(upper);
  if (nth) {
    const [, dayText = '', weekText = ''] = nth;
    const day = nameAt(DAYS_OF_WEEK, parseValue(dayText, rules.dayOfWeek));
    const n = Number(weekText);
    if (n < 1 || n > 5) throw cronError(`"${field}": the week number after # must be 1-5`);
    return { dayOfWeek: day, dayOfMonth: { start: 7 * (n - 1) + 1, end: Math.min(7 * n, 31) }, skip: [] };
  }
  if (upper.includes('#')) throw cronError(`"${field}": # takes one weekday and a week number, e.g. MON#2`);
  // `L` alone is the last day of the week (Saturday); `nL` is the last such weekday of the month.
  if (upper === 'L') return { dayOfWeek: 'SATURDAY', skip: [] };
  const lastDay = /^(\w+)L$/.exec(upper)?.[1];
  if (lastDay) return lastWeekdayOfMonth(nameAt(DAYS_OF_WEEK, parseValue(lastDay, rules.dayOfWeek)));
  if (upper.includes('L')) throw cronError(`"${field}": L in day-of-week is supported alone or after one weekday, e.g. 6L`);
  const ranges = parseRanges(field, rules.dayOfWeek);
  return { dayOfWeek: isFullRange(ranges, rules.dayOfWeek) ? '*' : ranges.map(dayRange), skip: [] };
}

/** Translates a six-field AWS cron expression; throws a 400 naming the problem. */
export function translateCron(expression: string): CronCalendars {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw cronError(`expected six fields "minutes hours day-of-month month day-of-week year", got ${fields.length}`);
  }
  const [minute = '', hour = '', dayOfMonth = '', month = '', dayOfWeek = '', year = ''] = fields;
  if ((dayOfMonth === '?') === (dayOfWeek === '?')) {
    throw cronError('exactly one of day-of-month and day-of-week must be "?"');
  }
  for (const [field, rule] of [
    [minute, rules.minute],
    [hour, rules.hour],
    [month, rules.month],
    [year, rules.year],
  ] as const) {
    if (field === '?') throw cronError(`"?" is allowed only in day-of-month or day-of-week, not in ${rule.name}`);
  }
  const days = dayOfMonth === '?' ? dayOfWeekRule(dayOfWeek) : dayOfMonthRule(dayOfMonth);
  const years = parseRanges(year, rules.year);
  const calendar: CalendarSpec = {
    second: 0,
    minute: parseRanges(minute, rules.minute),
    hour: parseRanges(hour, rules.hour),
    dayOfMonth: days.dayOfMonth ?? '*',
    dayOfWeek: days.dayOfWeek ?? '*',
    month: parseRanges(month, rules.month).map(monthRange),
    year: isFullRange(years, rules.year) ? '*' : years,
    comment: expression,
  };
  return { calendars: [calendar], skip: days.skip };
}
