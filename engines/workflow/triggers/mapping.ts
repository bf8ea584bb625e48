/**
 * A webhook request's execution inputs: each mapped input read from the body (JSON pointer), a
 * query parameter or a header, and turned into a BlobHub value of its declared type.
 */
import jsonpointer from 'jsonpointer';
import { z } from 'zod';
import { badRequest } from '../../../core/errors';
import type { InputData, ValueObject } from '../model';
import type { InputMappingEntry } from './model';

/** What a mapping reads: the parsed body (JSON, a form as an object, else the text), the query and the headers (lower-case names). */
export interface HookRequest {
  body: unknown;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
}

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const booleanWord = z.union([z.boolean(), z.enum(['true', 'false']).transform((w) => w === 'true')]);

/** Each type's reading of a raw value: query and header values are strings, so numbers and flags are parsed from text. */
const valueOfType: Record<InputMappingEntry['type'], z.ZodType<ValueObject>> = {
  text: scalar.transform((v) => ({ type: 'text' as const, text: String(v) })),
  integer: z.coerce
    .number()
    .int()
    .transform((n) => ({ type: 'integer' as const, integer: n })),
  float: z.coerce
    .number()
    .finite()
    .transform((n) => ({ type: 'float' as const, float: n })),
  boolean: booleanWord.transform((flag) => ({ type: 'boolean' as const, flag })),
  json: z.unknown().transform((json) => ({ type: 'json' as const, json })),
};

function rawValue(entry: InputMappingEntry, request: HookRequest): unknown {
  if (entry.source === 'query') return request.query.get(entry.path) ?? undefined;
  if (entry.source === 'header') {
    const value = request.headers[entry.path.toLowerCase()];
    return Array.isArray(value) ? value.join(', ') : value;
  }
  if (entry.path === '') return request.body;
  // a pointer into a text body, or through a scalar, finds nothing
  return request.body !== null && typeof request.body === 'object' ? jsonpointer.get(request.body, entry.path) : undefined;
}

interface MappingProblem {
  alias: string;
  message: string;
}

/** The inputs, or a 400 naming every input that is missing or of the wrong type. */
export function mapInputs(mapping: InputMappingEntry[], request: HookRequest): InputData {
  const inputs: InputData = [];
  const problems: MappingProblem[] = [];
  for (const entry of mapping) {
    const raw = rawValue(entry, request) ?? entry.default;
    if (raw === undefined || raw === null) {
      if (entry.required) problems.push({ alias: entry.alias, message: `${entry.source} ${entry.path || '(whole body)'} is missing` });
      continue;
    }
    const parsed = valueOfType[entry.type].safeParse(raw);
    if (parsed.success) inputs.push({ alias: entry.alias, value: parsed.data });
    else problems.push({ alias: entry.alias, message: `${entry.source} ${entry.path || '(whole body)'} is not of type ${entry.type}` });
  }
  if (problems.length)
    throw badRequest(`the request does not fit the trigger's input mapping: ${problems.map((p) => `${p.alias}: ${p.message}`).join('; ')}`, problems);
  return inputs;
}
