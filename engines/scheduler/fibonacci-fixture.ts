/** Target definitions for the scheduler tests: SPEC §4's fibonacci, and a slow echo. */
import { comp, data, definition, flow } from '../workflow/builders';

export { fibonacciDefinition } from '../workflow/builders';

/** A slow target: waits `seconds` on a durable timer, then returns its input `n` as `result`. */
export const delayedEchoDefinition = (seconds: number) =>
  definition([comp('s', 'flow.start'), comp('w', 'flow.delay', { seconds }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e'), data('s', 'n', 'e', 'result')]);
