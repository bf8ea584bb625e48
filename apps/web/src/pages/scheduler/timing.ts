import type { Schedule } from '../../api/scheduler';

/** A schedule's timing in one line, for the list and the detail page alike. */
export const timingOf = (s: Schedule) => (s.repeat === 'one_time' ? `once at ${s.invocation_time}` : `cron(${s.cron_expression})`);
