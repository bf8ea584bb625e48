/** Input PostgreSQL can store: text without U+0000 or unpaired surrogates, nesting within bounds. */
import { badRequest } from './errors';

// eslint-disable-next-line no-control-regex -- U+0000 is exactly what must be found
const unstorable = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The text with every character PostgreSQL cannot store replaced by U+FFFD (for messages and logs about such text). */
export const toStorableText = (text: string) => text.replace(new RegExp(unstorable.source, 'g'), '\uFFFD');

/** Deeper than any BlobHub value needs; deeper input is refused before anything walks it recursively. */
export const MAX_INPUT_DEPTH = 100;

const unstorableText = 'text must not contain U+0000 or unpaired surrogates';

export interface InputProblem {
  path: (string | number)[];
  message: string;
}

/**
 * The first place in a request's input that cannot be accepted: a string (value or key)
 * PostgreSQL cannot store as text (U+0000 or an unpaired surrogate), or nesting deeper than
 * MAX_INPUT_DEPTH. Checked once at the edge, so such input is a 400, never a 500.
 */
export function inputProblem(value: unknown, path: (string | number)[] = []): InputProblem | undefined {
  if (typeof value === 'string') return unstorable.test(value) ? { path, message: unstorableText } : undefined;
  if (!value || typeof value !== 'object') return undefined;
  if (path.length >= MAX_INPUT_DEPTH) return { path, message: `nested deeper than ${MAX_INPUT_DEPTH} levels` };
  for (const [key, item] of Array.isArray(value) ? value.entries() : Object.entries(value)) {
    if (typeof key === 'string' && unstorable.test(key)) return { path: [...path, key], message: unstorableText };
    const found = inputProblem(item, [...path, key]);
    if (found) return found;
  }
  return undefined;
}

/** Throws the 400 for the first problem of inputProblem, naming where it is. */
export function assertAcceptableInput(value: unknown) {
  const problem = inputProblem(value);
  if (!problem) return;
  const field = problem.path.length > 8 ? `${problem.path.slice(0, 8).join('.')}…` : problem.path.join('.') || '(body)';
  throw badRequest(`${field}: ${problem.message}`, [problem]);
}
