/** Local wall-clock times in IANA time zones, via Intl (the zone database Node ships). */

export function isKnownTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function localTimeParts(local: string) {
  // A part the string lacks is NaN, which no calendar check accepts.
  const [date = '', time = ''] = local.split('T');
  const [year = NaN, month = NaN, day = NaN] = date.split('-').map(Number);
  const [hour = NaN, minute = NaN, second = 0] = time.split(':').map(Number);
  return { year, month, day, hour, minute, second };
}

/** The zone's UTC offset in ms at an instant. */
function offsetAt(zone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant a local time (no zone) names in `zone`; a time skipped by DST moves forward. */
export function localTimeToInstant(local: string, zone: string): Date {
  const t = localTimeParts(local);
  const wall = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  const first = wall - offsetAt(zone, wall);
  return new Date(wall - offsetAt(zone, first));
}

/** Whether a local time string names a real calendar date (e.g. not 2026-02-30). */
export function isValidLocalDate(local: string): boolean {
  const t = localTimeParts(local);
  const d = new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second));
  return d.getUTCMonth() === t.month - 1 && d.getUTCDate() === t.day && t.hour < 24 && t.minute < 60 && t.second < 60;
}
