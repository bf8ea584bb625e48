/**
 * rerun_execution (docs/workflow.md#rerun-from-a-component): a new execution of an ended one's
 * pinned definition that runs from a chosen component on, reusing the outputs the original recorded
 * for the components before it (on their processor.exited events, `data.outputs`).
 *
 * Why seeding rather than a Temporal reset: a reset replays the original workflow under the same
 * workflow id, so the original execution would be rewritten instead of a new one linked to it, and
 * its inputs could not change. Seeding starts the rerun's workflow as a continuation of the
 * original's walk (the CarriedState a continue-as-new hands over): the interpreter code is the same
 * for both, so every recorded history still replays.
 */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { App } from '../../core/app';
import { ApiError, conflict } from '../../core/errors';
import { events, executionData } from '../../db/schema';
import { createExecution, definitionDataId, liveStatuses, type CreateExecutionArgs, type ExecutionRow, type ExecutionWire } from './executions';
import type { InputData } from './model';
import type { Plan, ValueRef } from './plan';
import type { CarriedWalk } from './temporal/carry-over';
import { compileDefinition } from './validate';
import { dataIdFor, entryRefs, isRef, storedValue, storeData, toRefsWithin, type DataEntry } from './values';

export interface RerunRequest {
  original: ExecutionRow;
  /** the component to run from (its id); the start component when not given */
  fromComponent?: string;
  /** inputs that replace the original's of the same alias (others are added) */
  inputOverrides?: InputData;
}

type Values = CarriedWalk['values'];

/** One processor.exited of the original run. */
interface RecordedExit {
  componentId: string;
  route: string;
  outputs: Record<string, ValueRef>;
  seq: number;
}

/** What the original run recorded of its components: their exits in order, and the seq of each component's last entry. */
interface RecordedRun {
  exits: RecordedExit[];
  lastEntered: Map<string, number>;
}

export async function rerunExecution(
  app: App,
  args: Omit<CreateExecutionArgs, 'alias' | 'definitionId' | 'sessionId' | 'inputData' | 'pinned' | 'rerun'>,
  { original, fromComponent, inputOverrides = [] }: RerunRequest,
): Promise<ExecutionWire> {
  if (liveStatuses.includes(original.status)) {
    throw conflict(`the execution is still ${original.status}: cancel it or wait for it to end`, { status: original.status });
  }
  const { pinned, plan } = await pinnedPlanOf(app, original);
  const from = fromComponent ?? plan.startId;
  if (!plan.components[from]) throw unknownComponent(`definition ${original.alias} has no component ${from}`);
  const run = from === plan.startId ? undefined : await recordedRun(app, original.id);
  const enteredAt = run?.lastEntered.get(from);
  if (run && enteredAt === undefined) throw unknownComponent(`component ${from} was not reached by execution ${original.id}`, 'component_not_reached');
  const inputData = mergedInputs(original.inputData as DataEntry[], inputOverrides);
  const create: CreateExecutionArgs = { ...args, sessionId: original.sessionId, pinned, inputData, rerun: { of: original.id, from } };
  if (!run || enteredAt === undefined) return createExecution(app, create);
  return createExecution(app, create, async (row) => {
    const seeded = seedAt(plan, from, run, enteredAt);
    // flow.start's outputs are the rerun's own inputs (with their overrides)
    seeded.values[plan.startId] = Object.fromEntries(entryRefs(row.inputData as DataEntry[]).map((e) => [e.alias, e.value]));
    const values = await adoptValues(app, row.id, seeded.values);
    // a rerun of this rerun starts from what it was seeded with: its own events begin at `from`
    const seed: SeededExit[] = seeded.exits.map(({ componentId, route }) => ({ componentId, route, outputs: values[componentId] ?? {} }));
    await storeData(app, row.id, seedDataId(row.id), seed);
    return { joins: seeded.joins, values, resumeAt: { connectionId: 'rerun', targetId: from }, visits: {}, signals: [] };
  });
}

/** The exits a rerun was seeded with, stored with its data. */
type SeededExit = Omit<RecordedExit, 'seq'>;
const seedDataId = (executionId: string) => dataIdFor(executionId, 'rerun-seed');

const unknownComponent = (message: string, engineCode = 'unknown_component') => new ApiError('bad_request', message, { engineCode });

/** The original's pinned definition (a later upload under its alias changes nothing here), compiled. */
async function pinnedPlanOf(app: App, original: ExecutionRow) {
  const [row] = await app.db
    .select()
    .from(executionData)
    .where(eq(executionData.id, definitionDataId(original.id)));
  const definition = row ? await storedValue(app, row) : undefined;
  const compiled = definition === undefined ? undefined : compileDefinition(definition);
  if (!compiled?.valid) throw new ApiError('bad_request', `execution ${original.id} has no runnable definition to rerun`, { engineCode: 'invalid_definition' });
  const pinned = { id: original.definitionId, alias: original.alias, contentHash: original.definitionHash, definition };
  return { pinned, plan: compiled.plan };
}

/** The original's inputs, each replaced by an override of the same alias; new aliases are added. */
function mergedInputs(original: DataEntry[], overrides: InputData): { alias: string; value: ValueRef }[] {
  const byAlias = new Map(entryRefs(original).map((e) => [e.alias, e.value]));
  for (const o of overrides) byAlias.set(o.alias, o.value);
  return [...byAlias].map(([alias, value]) => ({ alias, value }));
}

async function recordedRun(app: App, executionId: string): Promise<RecordedRun> {
  const rows = await app.db
    .select({ type: events.type, seq: events.seq, attributes: events.attributes, data: events.data })
    .from(events)
    .where(and(eq(events.executionId, executionId), inArray(events.type, ['processor.entered', 'processor.exited'])))
    .orderBy(asc(events.seq));
  const [seed] = await app.db
    .select()
    .from(executionData)
    .where(eq(executionData.id, seedDataId(executionId)));
  // a rerun's seeded exits come before everything it ran itself
  const seeded = seed ? ((await storedValue(app, seed)) as SeededExit[]) : [];
  const run: RecordedRun = { exits: seeded.map((e) => ({ ...e, seq: -1 })), lastEntered: new Map() };
  for (const row of rows) {
    const attributes = (row.attributes ?? {}) as { processor_id?: string; route?: string; error?: string };
    if (!attributes.processor_id) continue;
    if (row.type === 'processor.entered') run.lastEntered.set(attributes.processor_id, row.seq);
    else
      run.exits.push({ componentId: attributes.processor_id, route: attributes.route ?? 'success', outputs: exitOutputs(attributes, row.data), seq: row.seq });
  }
  return run;
}

/** The outputs an exit recorded; a failure route's `error` output is its message. */
function exitOutputs(attributes: { route?: string; error?: string }, data: unknown): Record<string, ValueRef> {
  const recorded = (data as { outputs?: Record<string, ValueRef> } | null)?.outputs;
  if (recorded) return recorded;
  return attributes.route === 'failure' && attributes.error !== undefined ? { error: { type: 'text', text: attributes.error } } : {};
}

/** The components `from` leads to (itself included), following every route. */
function downstreamOf(plan: Plan, from: string): Set<string> {
  const seen = new Set([from]);
  const queue = [from];
  for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
    for (const edges of Object.values(plan.next[id] ?? {})) {
      for (const { targetId } of edges) {
        if (seen.has(targetId)) continue;
        seen.add(targetId);
        queue.push(targetId);
      }
    }
  }
  return seen;
}

/**
 * The walk as the rerun starts it at `from`: the latest outputs of every component as the original
 * had them when it last entered `from`, and those of the components `from` does not lead to (paths
 * beside it, which the rerun does not run again) whenever they ended. A flow.join after `from`
 * counts those paths as arrived.
 */
function seedAt(plan: Plan, from: string, run: RecordedRun, enteredAt: number): Pick<CarriedWalk, 'values' | 'joins'> & { exits: RecordedExit[] } {
  const downstream = downstreamOf(plan, from);
  const last = new Map<string, RecordedExit>();
  for (const exit of run.exits) if (exit.seq < enteredAt || !downstream.has(exit.componentId)) last.set(exit.componentId, exit);
  const values: Values = {};
  for (const [id, exit] of last) values[id] = exit.outputs;
  // a flow.join hands on what it received: its outputs are its inputs
  for (const id of last.keys()) if (plan.components[id]?.type === 'flow.join') values[id] = inputsOf(plan, values, id);
  const joins: CarriedWalk['joins'] = {};
  // rerun from a join: it fires with the one arrival the rerun makes
  if (plan.components[from]?.type === 'flow.join')
    joins[from] = { arrived: Array.from({ length: (plan.incoming[from] ?? 1) - 1 }, (_, i) => `rerun#${i}`), fired: false };
  for (const [id, exit] of last) {
    if (downstream.has(id)) continue;
    for (const edge of plan.next[id]?.[exit.route] ?? []) {
      const target = plan.components[edge.targetId];
      if (target?.type !== 'flow.join' || target.id === from || !downstream.has(target.id)) continue;
      (joins[target.id] ??= { arrived: [], fired: false }).arrived.push(edge.connectionId);
    }
  }
  return { values, joins, exits: [...last.values()] };
}

function inputsOf(plan: Plan, values: Values, id: string): Record<string, ValueRef> {
  const inputs: Record<string, ValueRef> = {};
  for (const d of plan.dataIn[id] ?? []) {
    const value = values[d.sourceId]?.[d.sourcePort];
    if (value) inputs[d.port] = value;
  }
  return inputs;
}

/**
 * The seeded values as the rerun's own: a value the original stored is copied into the rerun's data
 * (deleting the original leaves the rerun whole), and the walk stays within one Temporal message.
 */
async function adoptValues(app: App, executionId: string, values: Values): Promise<Values> {
  const entries = Object.entries(values).flatMap(([componentId, ports]) =>
    Object.entries(ports).map(([port, value]) => ({ componentId, port, id: dataIdFor(executionId, `${componentId}#0`, port), value })),
  );
  for (const entry of entries) if (isRef(entry.value)) entry.value = { $ref: await copyStored(app, executionId, entry.id, entry.value.$ref) };
  const refs = await toRefsWithin(app, executionId, entries);
  const adopted: Values = {};
  entries.forEach(({ componentId, port, value }, i) => ((adopted[componentId] ??= {})[port] = refs[i] ?? value));
  return adopted;
}

async function copyStored(app: App, executionId: string, id: string, ref: string): Promise<string> {
  const [row] = await app.db.select().from(executionData).where(eq(executionData.id, ref));
  if (!row) throw new Error(`stored value ${ref} is missing`);
  return storeData(app, executionId, id, await storedValue(app, row));
}
