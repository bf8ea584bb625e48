/** Runs logic.code in the sandbox threads directly, in one language: the sandbox tests of JavaScript and Python share it. */
import { expect } from 'vitest';
import { runLogicCode, UserCodeError, type LogicCodeInput } from '../../engines/workflow/sandbox';

export function sandboxRunner(language: 'javascript' | 'python', fibonacciCode: string) {
  const run = (code: string, more: Partial<LogicCodeInput> = {}) => runLogicCode({ language, code, inputs: {}, sessionObjects: {}, ...more });

  /** The UserCodeError a run fails with. */
  async function failure(code: string, more: Partial<LogicCodeInput> = {}): Promise<UserCodeError> {
    const error = await run(code, more).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserCodeError);
    return error as UserCodeError;
  }

  /** fibonacciCode reads input `n` and writes output `result`. */
  async function expectFibonacci(n: number, expected: number) {
    const result = await run(fibonacciCode, { inputs: { n: { type: 'integer', integer: n } } });
    expect(result.outputs.result).toEqual({ value: { type: 'integer', integer: expected }, persist: false });
  }

  return { run, failure, expectFibonacci };
}
