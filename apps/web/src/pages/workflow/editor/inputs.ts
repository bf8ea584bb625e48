/** The playground's typed inputs: what a person typed as the value object of its type. */
import type { ValueObject } from '../../../../../../sdk/browser';
import { InputError, parseJsonInput } from '../../../ui/json';

export const inputTypes = ['text', 'integer', 'float', 'boolean', 'json', 'message'] as const;
export type InputType = (typeof inputTypes)[number];

export interface TypedInput {
  type: InputType;
  /** the text typed; for a boolean "true" or "false" */
  raw: string;
}

function number(alias: string, raw: string, integer: boolean): number {
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    throw new InputError(`input ${alias} must be ${integer ? 'an integer' : 'a number'}`);
  return n;
}

export function valueOf(alias: string, { type, raw }: TypedInput): ValueObject {
  switch (type) {
    case 'text':
      return { type, text: raw };
    case 'integer':
      return { type, integer: number(alias, raw, true) };
    case 'float':
      return { type, float: number(alias, raw, false) };
    case 'boolean':
      return { type, flag: raw === 'true' };
    case 'json':
      return { type, json: parseJsonInput(`input ${alias}`, raw) };
    case 'message':
      return { type, message: { role: 'user', content: [{ type: 'text', text: raw }] } };
  }
}

export const inputData = (inputs: Record<string, TypedInput>) => Object.entries(inputs).map(([alias, input]) => ({ alias, value: valueOf(alias, input) }));
