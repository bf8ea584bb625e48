/**
 * What a component hands back (user code's outputs, session writes, route and log lines, or an
 * HTTP response) is checked before anything is written: PostgreSQL cannot store U+0000 or an
 * unpaired surrogate as text, and a session object's alias follows the same rules as over REST.
 * Either is the component's clear, permanent error, never a write that fails (or hangs) later.
 */
import { inputProblem, toStorableText } from '../../core/storable-input';
import { objectAlias } from './commands/sessions';
import { ComponentError, type ComponentRunResult } from './components';

export function assertStorableResult(result: ComponentRunResult) {
  // the error, and the logs kept with it, must be storable themselves
  const logs = (result.logs ?? []).map(toStorableText);
  const refuse = (message: string) => new ComponentError(toStorableText(message), 'invalid_value', logs);
  const assertStorable = (what: string, value: unknown) => {
    const problem = inputProblem(value);
    if (problem) throw refuse(`${[what, ...problem.path].join('.')}: ${problem.message}`);
  };
  assertStorable('route', result.route);
  for (const [port, output] of Object.entries(result.outputs ?? {})) {
    assertStorable('output port name', port);
    assertStorable(`output ${port}`, output.value);
  }
  for (const [alias, value] of Object.entries(result.sessionWrites ?? {})) {
    const checked = objectAlias.safeParse(alias);
    if (!checked.success) throw refuse(`session object alias ${JSON.stringify(alias)} ${checked.error.issues[0]?.message}`);
    assertStorable(`session object ${alias}`, value);
  }
  (result.logs ?? []).forEach((line, i) => assertStorable(`log line ${i + 1}`, line));
}
