/** session.read_object / session.write_object / thread.post_item: session state from a flow. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { threadItems } from '../../../db/schema';
import { notifyThreadItemPosted } from '../executions';
import { readSessionObject } from '../session-objects';
import { asValue, primitiveOf } from '../values';
import { ComponentError, type ComponentType } from './registry';

const aliasConfig = z.object({ alias: z.string().min(1).max(128) }).strict();
type AliasConfig = z.infer<typeof aliasConfig>;

export const sessionReadObject: ComponentType<AliasConfig> = {
  type: 'session.read_object',
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

export const threadPostItem: ComponentType<AliasConfig> = {
  type: 'thread.post_item',
  category: 'session',
  config: aliasConfig,
  runsIn: 'local_activity',
  emitsEvents: true,
  routes: () => ['success'],
  inputs: () => ['content'],
  outputs: () => ['item_id'],
  async run({ app, request, config, inputs }) {
    const { execution, visit } = request;
    const envelope = await readSessionObject(app, execution.sessionId, config.alias);
    if (envelope?.type !== 'thread') throw new ComponentError(`session object ${config.alias} is not a thread`, 'not_a_thread');
    if (!inputs.content) throw new ComponentError('the content input has no value', 'missing_input');
    const id = itemIdFor(execution.executionId, visit);
    const content = inputs.content.type === 'json' ? primitiveOf(inputs.content) : inputs.content;
    await app.db
      .insert(threadItems)
      .values({ id, sessionId: execution.sessionId, alias: config.alias, userId: execution.createdBy, content: content ?? null })
      .onConflictDoNothing();
    await app.emit({
      ...execution,
      type: 'session_thread_item_posted',
      attributes: { alias: config.alias, item_id: id },
      dedupeKey: `${execution.executionId}:${visit}:thread_item`,
    });
    await notifyThreadItemPosted(app, execution.sessionId, config.alias, id);
    return { route: 'success', outputs: { item_id: { value: { type: 'text', text: id } } } };
  },
};
