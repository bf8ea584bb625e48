/** What a person typed that cannot be sent: shown as a message on the form, not as a crash. */
export class InputError extends Error {}

/** Parses what a person typed into a JSON field. */
export function parseJsonInput(label: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`${label} is not valid JSON: ${(e as Error).message}`);
  }
}
