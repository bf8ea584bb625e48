/** Parses what a person typed into a JSON field; a mistake becomes a message, not an exception. */
export class JsonInputError extends Error {}

export function parseJsonInput(label: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new JsonInputError(`${label} is not valid JSON: ${(e as Error).message}`);
  }
}
