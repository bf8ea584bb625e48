/** The activities' side of flow.foreach (interpreter.ts): its list split into items, its outcomes gathered into results. */
import { ApplicationFailure } from '@temporalio/common';
import type { App } from '../../core/app';
import { FOREACH_MAX_ITEMS } from './components/flow';
import type { ValueObject } from './model';
import type { ExecutionArgs, ValueRef } from './plan';
import type { ForeachOutcome } from './temporal/contracts';
import { asValue, dataIdFor, primitiveOf, resolveRefs, toRefsWithin } from './values';

/** A list item as the value a child's input gets: numbers, text and flags typed, a value object as is, anything else as json. */
function itemValue(item: unknown): ValueObject {
  if (typeof item === 'number') return Number.isInteger(item) ? { type: 'integer', integer: item } : { type: 'float', float: item };
  if (typeof item === 'string') return { type: 'text', text: item };
  if (typeof item === 'boolean') return { type: 'boolean', flag: item };
  return asValue(item);
}

/** The items of a `json` list (or `messages`), one value each: small ones inline, the rest stored by reference. */
export async function foreachItems(app: App, execution: ExecutionArgs, { visit, items }: { visit: string; items: ValueRef }): Promise<ValueRef[]> {
  const { items: value } = await resolveRefs(app, { items });
  const list = value!.type === 'json' ? value!.json : value!.type === 'messages' ? value!.messages : undefined;
  if (!Array.isArray(list)) throw ApplicationFailure.nonRetryable(`flow.foreach's items input is a ${value!.type} value, not a list`, 'bad_input');
  if (list.length > FOREACH_MAX_ITEMS)
    throw ApplicationFailure.nonRetryable(`flow.foreach takes at most ${FOREACH_MAX_ITEMS} items; this list has ${list.length}`, 'too_many_items');
  const id = execution.executionId;
  return toRefsWithin(
    app,
    id,
    list.map((item, i) => ({ id: dataIdFor(id, visit, 'item', String(i)), value: itemValue(item) })),
  );
}

/** `results`: each item's outputs as plain values by alias, in the items' order (null for a failed item); `errors`: [{index, message}]. */
export async function foreachResults(
  app: App,
  execution: ExecutionArgs,
  { visit, outcomes }: { visit: string; outcomes: ForeachOutcome[] },
): Promise<Record<string, ValueRef>> {
  // one lookup for every stored output
  const keyed = Object.fromEntries(
    outcomes.flatMap((o, i) => ('outputs' in o ? Object.entries(o.outputs).map(([alias, v]) => [`${i}\u0000${alias}`, v]) : [])),
  );
  const resolved = await resolveRefs(app, keyed);
  const results = outcomes.map((o, i) =>
    'outputs' in o ? Object.fromEntries(Object.keys(o.outputs).map((alias) => [alias, primitiveOf(resolved[`${i}\u0000${alias}`]!)])) : null,
  );
  const errors = outcomes.flatMap((o, index) => ('error' in o ? [{ index, message: o.error }] : []));
  const id = execution.executionId;
  const [resultsRef, errorsRef] = await toRefsWithin(app, id, [
    { id: dataIdFor(id, visit, 'results'), value: { type: 'json', json: results } },
    { id: dataIdFor(id, visit, 'errors'), value: { type: 'json', json: errors } },
  ]);
  return { results: resultsRef!, errors: errorsRef! };
}
