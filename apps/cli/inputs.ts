/**
 * `--input` values: `name=value` with the type read from the value (10 → integer, 1.5 → float,
 * true/false → boolean, {…}/[…] → json, "…" → text, anything else → text), or stated as
 * `name:type=value` (text, integer, float, boolean, json).
 */
import type { OutputValue, ValueObject } from '../../sdk';
import { UsageError } from './exit-codes';

const types = ['text', 'integer', 'float', 'boolean', 'json'] as const;
type InputType = (typeof types)[number];

function parseJson(raw: string, name: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`--input ${name}: ${raw} is not valid JSON`);
  }
}

function inferType(raw: string): InputType {
  if (/^-?\d+$/.test(raw)) return 'integer';
  if (/^-?(\d+\.\d*|\.\d+|\d+(\.\d*)?e[+-]?\d+)$/i.test(raw)) return 'float';
  if (raw === 'true' || raw === 'false') return 'boolean';
  if (/^[[{]/.test(raw)) return 'json';
  return 'text';
}

function valueOf(type: InputType, raw: string, name: string): ValueObject {
  const bad = (what: string) => new UsageError(`--input ${name}: ${raw} is not ${what}`);
  switch (type) {
    case 'integer':
      if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw bad('an integer');
      return { type, integer: Number(raw) };
    case 'float':
      if (raw.trim() === '' || !Number.isFinite(Number(raw))) throw bad('a number');
      return { type, float: Number(raw) };
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw bad('true or false');
      return { type, flag: raw === 'true' };
    case 'json':
      return { type, json: parseJson(raw, name) };
    case 'text':
      return { type, text: raw.startsWith('"') ? String(parseJson(raw, name)) : raw };
  }
}

export function parseInput(spec: string): [string, ValueObject] {
  const match = /^([A-Za-z0-9_.-]+)(?::([a-z]+))?=([\s\S]*)$/.exec(spec);
  if (!match) throw new UsageError(`--input ${spec}: write name=value or name:type=value`);
  const [, name = '', stated, raw = ''] = match;
  if (stated && !types.includes(stated as InputType)) throw new UsageError(`--input ${spec}: unknown type ${stated} (one of ${types.join(', ')})`);
  return [name, valueOf((stated as InputType | undefined) ?? inferType(raw), raw, name)];
}

export function parseInputs(specs: string[]): Record<string, ValueObject> {
  const inputs: Record<string, ValueObject> = {};
  for (const spec of specs) {
    const [name, value] = parseInput(spec);
    if (name in inputs) throw new UsageError(`--input ${name} is given twice`);
    inputs[name] = value;
  }
  return inputs;
}

/** How an output value reads for people. */
export function showValue(value: OutputValue | undefined): string {
  if (!value) return '-';
  switch (value.type) {
    case 'text':
      return value.text;
    case 'integer':
      return String(value.integer);
    case 'float':
      return String(value.float);
    case 'boolean':
      return String(value.flag);
    case 'choice':
      return value.id;
    default:
      return JSON.stringify(value);
  }
}
