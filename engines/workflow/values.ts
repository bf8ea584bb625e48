/** Value objects at run time: plain-JSON views, wrapping, and large values stored by reference. */
import { createHash } from 'node:crypto';
import { inArray } from 'drizzle-orm';
import type { Db } from '../../db/client';
import { executionData } from '../../db/schema';
import { valueObject, type ValueObject } from './model';
import type { ValueRef } from './plan';

/** Values above this size travel through Temporal history as references. */
export const INLINE_VALUE_LIMIT = 16 * 1024;

/** The plain JSON a value object carries (what a condition compares). */
export function primitiveOf(value: ValueObject): unknown {
  switch (value.type) {
    case 'text':
      return value.text;
    case 'integer':
      return value.integer;
    case 'float':
      return value.float;
    case 'boolean':
      return value.flag;
    case 'choice':
      return value.id;
    case 'json':
      return value.json;
    case 'message':
      return value.message;
    case 'messages':
      return value.messages;
  }
}

/** A value object as is, or any other JSON wrapped as a `json` value. */
export function asValue(json: unknown): ValueObject {
  const parsed = valueObject.safeParse(json);
  return parsed.success ? parsed.data : { type: 'json', json };
}

export const isRef = (v: ValueRef): v is { $ref: string } => typeof (v as { $ref?: unknown }).$ref === 'string';

/** A stable UUID for a logical piece of data, so that a retried activity writes the same row. */
export function dataIdFor(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export async function storeData(db: Db, executionId: string, id: string, value: unknown): Promise<string> {
  await db.insert(executionData).values({ id, executionId, value }).onConflictDoNothing();
  return id;
}

/** Keeps small values inline and stores large ones, returning what may enter workflow history. */
export async function toRef(db: Db, executionId: string, id: string, value: ValueObject): Promise<ValueRef> {
  if (JSON.stringify(value).length <= INLINE_VALUE_LIMIT) return value;
  return { $ref: await storeData(db, executionId, id, value) };
}

export async function resolveRefs(db: Db, values: Record<string, ValueRef>): Promise<Record<string, ValueObject>> {
  const refs = Object.values(values).filter(isRef).map((v) => v.$ref);
  const rows = refs.length ? await db.select().from(executionData).where(inArray(executionData.id, refs)) : [];
  const byId = new Map(rows.map((r) => [r.id, r.value as ValueObject]));
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => {
      if (!isRef(v)) return [k, v];
      const stored = byId.get(v.$ref);
      if (!stored) throw new Error(`stored value ${v.$ref} is missing`);
      return [k, stored];
    }),
  );
}
