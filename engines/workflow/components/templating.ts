/**
 * `{{name}}` placeholders in a component's text config (an e-mail's subject and body, a chat
 * message), filled from the component's data inputs by Mustache: `{{order.id}}` reads into a
 * JSON input, `{{#items}}…{{/items}}` repeats over a list. Text is filled as it is; HTML escapes
 * what it inserts (`{{{raw}}}` does not), so an input cannot inject markup into a mail.
 */
import Mustache from 'mustache';
import type { ValueObject } from '../model';
import { primitiveOf } from '../values';
import { ComponentError } from './registry';

/** The plain values templates see, by input port. */
export const templateView = (inputs: Record<string, ValueObject>) => Object.fromEntries(Object.entries(inputs).map(([port, v]) => [port, primitiveOf(v)]));

/** A JSON input (an object, a list) is inserted as JSON rather than as `[object Object]`. */
const asText = (value: unknown) => (typeof value === 'object' ? JSON.stringify(value) : String(value));
const asHtml = (value: unknown) => Mustache.escape(asText(value));

/** `template` with its placeholders filled from `view`; `html` escapes the values it inserts. */
export function fillTemplate(template: string, view: Record<string, unknown>, { html = false } = {}): string {
  try {
    return Mustache.render(template, view, undefined, { escape: html ? asHtml : asText });
  } catch (e) {
    throw new ComponentError(`the template is not valid Mustache: ${(e as Error).message}`, 'invalid_template');
  }
}
