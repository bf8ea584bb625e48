/** session.read_object / session.write_object / thread.post_item: session state from a flow. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ApiError } from '../../../core/errors';
import type { ValueObject } from '../model';
import { readSessionObject } from '../session-objects';
import { postThreadItem, threadContent } from '../threads';
import { asValue, primitiveOf } from '../values';
import { ComponentError, type ComponentType } from './registry';

const aliasConfig = z.object({ alias: z.string().min(1).max(128) }).strict();
type AliasConfig = z.infer<typeof aliasConfig>;

export const sessionReadObject: ComponentType<AliasConfig> = {
  type: 'session.read_object',
  description: 'Reads a session object as its value output.',
  category: 'session',
  config: aliasConfig,
  runsIn: 'local_activity',
  routes: () => ['success'],
  inputs: () => [],
  outputs: () => ['value'],
  async run({ app, request, config }) {
    const row = await readSessionObject(app, request.execution.sessionId, config.alias);
    if (!row) throw new ComponentError(`session object ${config.alias} does not exist`, 'not_found');
    return { route: 'success', outputs: { value: { value: asValue(row.value) } } };
  },
};

export const sessionWriteObject: ComponentType<AliasConfig> = {
  type: 'session.write_object',
  description: 'Writes its value input to a session object.',
  category: 'session',
  config: aliasConfig,
  runsIn: 'local_activity',
  routes: () => ['success'],
  inputs: () => ['value'],
  outputs: () => [],
  async run({ config, inputs }) {
    if (!inputs.value) throw new ComponentError('the value input has no value', 'missing_input');
    return { route: 'success', sessionWrites: { [config.alias]: inputs.value } };
  },
};

/** The same item id on every attempt, so that a retried post is stored once. */
function itemIdFor(executionId: string, visit: string): string {
  const digits = BigInt(`0x${createHash('sha256').update(`${executionId}/${visit}`).digest('hex').slice(0, 32)}`).toString(32);
  return `itm_${digits.padStart(26, '0').slice(-26)}`;
}

/** A value as thread content blocks: text as a text block, a message as its content, JSON as given or as one json block. */
function contentBlocks(value: ValueObject): unknown[] {
  if (value.type === 'text') return [{ type: 'text', text: value.text }];
  if (value.type === 'message') return value.message.content;
  const plain = primitiveOf(value);
  return Array.isArray(plain) ? plain : [{ type: 'json', json: plain }];
}

/** The store's refusals (not a thread, too large) as the component's own errors. */
export async function asComponentError<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof ApiError) throw new ComponentError(e.message, e.specCode);
    throw e;
  }
}

export const threadPostItem: ComponentType<AliasConfig> = {
  type: 'thread.post_item',
  description: 'Posts its content input as an item to a thread session object.',
  category: 'session',
  config: aliasConfig,
  runsIn: 'local_activity',
  emitsEvents: true,
  routes: () => ['success'],
  inputs: () => ['content'],
  outputs: () => ['item_id'],
  async run({ app, request, config, inputs }) {
    const { execution, visit } = request;
    if (!inputs.content) throw new ComponentError('the content input has no value', 'missing_input');
    const content = threadContent.safeParse(contentBlocks(inputs.content));
    if (!content.success) throw new ComponentError(`the content is not thread content: ${content.error.issues[0]?.message}`, 'invalid_content');
    const item = await asComponentError(() =>
      postThreadItem(
        app,
        execution,
        { alias: config.alias, content: content.data, userId: execution.createdBy },
        { itemId: itemIdFor(execution.executionId, visit), dedupeKey: `${execution.executionId}:${visit}:thread_item` },
      ),
    );
    return { route: 'success', outputs: { item_id: { value: { type: 'text', text: item.id } } } };
  },
};
