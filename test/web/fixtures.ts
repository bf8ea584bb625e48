/** Workflow definitions the browser tests run (the editor that builds them by mouse is part 2). */
import { comp, data, definition, fibonacciDefinition, flow } from '../support/workflow-builders';

export { fibonacciDefinition };

const log = (id: string) =>
  comp(id, 'logic.code', { language: 'javascript', code: `console.log('step ${id}'); set_data_output('out', create_value('text', '${id} done'), true);` });

/** Three logged steps with a one-second durable timer between them: events arrive over seconds. */
export function stepsDefinition() {
  return definition(
    [
      comp('s', 'flow.start'),
      log('a'),
      comp('d1', 'flow.delay', { seconds: 1 }),
      log('b'),
      comp('d2', 'flow.delay', { seconds: 1 }),
      log('c'),
      comp('e', 'flow.end'),
    ],
    [flow('s', 'a'), flow('a', 'd1'), flow('d1', 'b'), flow('b', 'd2'), flow('d2', 'c'), flow('c', 'e'), data('c', 'out', 'e', 'result')],
  );
}

/** Waits ten minutes: there to be cancelled. */
export function longWaitDefinition() {
  return definition([comp('s', 'flow.start'), comp('d', 'flow.delay', { seconds: 600 }), comp('e', 'flow.end')], [flow('s', 'd'), flow('d', 'e')]);
}
