/**
 * query_session_graph: BlobHub's step language compiled to one SQL statement. Each step becomes
 * a CTE over the previous one, so PostgreSQL walks the edge indexes and the graph never leaves
 * the database. Traversers keep Gremlin's multiset semantics (a vertex reached twice is there
 * twice) until `dedup`; `k` carries an order (the element's or the traversed edge's insertion
 * order) that `limit` and the results follow.
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { ApiError } from '../../../core/errors';
import type { Db } from '../../../db/client';
import { graphElements } from '../../../db/schema';
import { elementId, toElementWire, type ElementRow } from './model';
import { rowsOf, textArray, type GraphRef } from './reads';

/** Results past this many are cut off (and the answer says `truncated`). */
export const MAX_QUERY_RESULTS = 10_000;
const QUERY_TIMEOUT_MS = 15_000;

export const graphQuery = z
  .object({
    start: z.union([z.tuple([z.enum(['V', 'E'])]), z.tuple([z.enum(['V', 'E']), elementId])]),
    steps: z
      .array(z.tuple([z.string()]).rest(z.unknown()))
      .max(64)
      .default([]),
  })
  .strict();
export type GraphQuery = z.infer<typeof graphQuery>;

/** What the traversers are after a step: elements of a kind, or plain values (values, properties, project, count). */
type State = 'vertex' | 'edge' | 'element' | 'value';

const invalidQuery = (message: string, stepIndex?: number) =>
  new ApiError('bad_request', stepIndex === undefined ? message : `steps[${stepIndex}]: ${message}`, {
    engineCode: 'invalid_graph_query',
    details: { step_index: stepIndex },
  });

const labelArg = z.string().min(1).max(256);
const comparisonOps = { eq: '=', neq: '<>', lt: '<', lte: '<=', gt: '>', gte: '>=' } as const;
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

interface Compiled {
  select: SQL;
  state: State;
}

class Compiler {
  /** the CTE the step being compiled reads */
  prev = sql.raw('s0');
  constructor(private readonly g: GraphRef) {}

  /** `g` joined as an element of this graph. */
  private inGraph() {
    return sql`g.session_id = ${this.g.sessionId} and g.alias = ${this.g.alias}`;
  }

  start([kind, id]: GraphQuery['start']): Compiled {
    const type = kind === 'V' ? 'vertex' : 'edge';
    return {
      select: sql`select g.element_id as id, g.ord as k from ${graphElements} g where ${this.inGraph()} and g.type = ${type} ${id === undefined ? sql`` : sql`and g.element_id = ${id}`}`,
      state: type,
    };
  }

  /** Vertices → their edges on one side (near), optionally of one label; `far` = walk on to the other end. */
  private hop(near: 'from_id' | 'to_id', label: string | undefined, to: 'edge' | 'far') {
    const far = near === 'from_id' ? 'to_id' : 'from_id';
    const picked = to === 'edge' ? sql`g.element_id` : sql.raw(`g.${far}`);
    return sql`select ${picked} as id, g.ord as k from ${this.prev} p join ${graphElements} g on ${this.inGraph()} and g.type = 'edge' and ${sql.raw(`g.${near}`)} = p.id ${label === undefined ? sql`` : sql`and g.label = ${label}`}`;
  }

  /** The traverser's own element, for filters and terminal steps. */
  private own(columns: SQL, where?: SQL) {
    return sql`select ${columns} from ${this.prev} p join ${graphElements} g on ${this.inGraph()} and g.element_id = p.id ${where ? sql`where ${where}` : sql``}`;
  }

  step(state: State, [name, ...args]: [string, ...unknown[]], index: number): Compiled {
    const need = (...states: State[]) => {
      if (!states.includes(state))
        throw invalidQuery(`${name} needs ${states.join(' or ')} traversers, but the traversers here are ${state === 'value' ? 'values' : `${state}s`}`, index);
    };
    const arg = <T>(schema: z.ZodType<T>, value: unknown, what: string): T => {
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw invalidQuery(`${name}: ${what}`, index);
      return parsed.data;
    };
    const noMoreThan = (n: number) => {
      if (args.length > n) throw invalidQuery(`${name} takes ${n === 0 ? 'no arguments' : `at most ${n} argument${n > 1 ? 's' : ''}`}`, index);
    };
    const optionalLabel = () => (noMoreThan(1), args[0] === undefined ? undefined : arg(labelArg, args[0], 'the edge label must be a string'));
    switch (name) {
      case 'out':
      case 'in':
      case 'both':
      case 'outE':
      case 'inE':
      case 'bothE': {
        need('vertex');
        const label = optionalLabel();
        const to = name.endsWith('E') ? 'edge' : 'far';
        const direction = name.replace(/E$/, '');
        const sides = [direction !== 'in' && this.hop('from_id', label, to), direction !== 'out' && this.hop('to_id', label, to)].filter((s): s is SQL =>
          Boolean(s),
        );
        return { select: sql.join(sides, sql` union all `), state: to === 'edge' ? 'edge' : 'vertex' };
      }
      case 'inV':
      case 'outV':
        need('edge');
        noMoreThan(0);
        return { select: this.own(sql.raw(name === 'inV' ? 'g.to_id as id, p.k' : 'g.from_id as id, p.k')), state: 'vertex' };
      case 'hasLabel': {
        need('vertex', 'edge', 'element');
        const labels = arg(z.array(labelArg).min(1).max(64), args, 'give one or more labels (strings)');
        return { select: this.own(sql`p.id, p.k`, sql`(g.labels && ${textArray(labels)} or g.label in ${labels})`), state };
      }
      case 'has':
        need('vertex', 'edge', 'element');
        return { select: this.own(sql`p.id, p.k`, this.comparison(args, index)), state };
      case 'values': {
        need('vertex', 'edge', 'element');
        noMoreThan(1);
        const key = arg(labelArg, args[0], 'give the property key');
        return { select: this.own(sql`g.props -> ${key} as v, p.k`, sql`g.props ? ${key}`), state: 'value' };
      }
      case 'properties':
        need('vertex', 'edge', 'element');
        noMoreThan(0);
        return { select: this.own(sql`g.props as v, p.k`), state: 'value' };
      case 'project': {
        need('vertex', 'edge', 'element');
        const keys = arg(z.array(labelArg).min(1).max(64), Array.isArray(args[0]) && args.length === 1 ? args[0] : args, 'give the property keys (strings)');
        const pairs = keys.map((key) => sql`${key}::text, g.props -> ${key}`);
        return { select: this.own(sql`jsonb_build_object(${sql.join(pairs, sql`, `)}) as v, p.k`), state: 'value' };
      }
      case 'limit': {
        noMoreThan(1);
        const n = arg(z.number().int().min(0).max(MAX_QUERY_RESULTS), args[0], `give a count from 0 to ${MAX_QUERY_RESULTS}`);
        return { select: sql`select * from ${this.prev} p order by p.k limit ${n}`, state };
      }
      case 'dedup':
        noMoreThan(0);
        return {
          select:
            state === 'value'
              ? sql`select p.v, min(p.k) as k from ${this.prev} p group by p.v`
              : sql`select p.id, min(p.k) as k from ${this.prev} p group by p.id`,
          state,
        };
      case 'count':
        noMoreThan(0);
        return { select: sql`select to_jsonb(count(*)) as v, 0::bigint as k from ${this.prev} p`, state: 'value' };
      default:
        throw invalidQuery(
          `unknown step ${name}; steps are out in both outE inE bothE inV outV hasLabel has values properties project limit dedup count`,
          index,
        );
    }
  }

  /** has(key, op, value) or has(key, value) (eq); ordering ops compare values of the same JSON type. */
  private comparison(args: unknown[], index: number): SQL {
    const [key, ...rest] = args;
    if (typeof key !== 'string' || !key) throw invalidQuery('has: the first argument is the property key', index);
    if (rest.length === 0 || rest.length > 2) throw invalidQuery('has takes (key, op, value) or (key, value)', index);
    const [op, value] = rest.length === 1 ? ['eq', rest[0]] : rest;
    if (typeof op !== 'string' || !(op in comparisonOps)) throw invalidQuery(`has: op must be one of ${Object.keys(comparisonOps).join(', ')}`, index);
    const ordering = !['eq', 'neq'].includes(op);
    if (ordering ? typeof value !== 'number' && typeof value !== 'string' : !scalar.safeParse(value).success) {
      throw invalidQuery(`has: ${op} compares with ${ordering ? 'a number or a string' : 'a string, number, boolean or null'}`, index);
    }
    const operand = sql`${JSON.stringify(value)}::jsonb`;
    const typed = ordering ? sql` and jsonb_typeof(g.props -> ${key}) = jsonb_typeof(${operand})` : sql``;
    return sql`g.props ? ${key}${typed} and g.props -> ${key} ${sql.raw(comparisonOps[op as keyof typeof comparisonOps])} ${operand}`;
  }
}

/** Compiles the query to one statement: `with s0 as (…), s1 as (select … from s0 p …) select …`. */
export function compileGraphQuery(g: GraphRef, query: GraphQuery): { statement: SQL; state: State } {
  const compiler = new Compiler(g);
  let latest = compiler.start(query.start);
  const stages: Compiled[] = [latest];
  query.steps.forEach((step, index) => {
    compiler.prev = sql.raw(`s${index}`);
    latest = compiler.step(latest.state, step, index);
    stages.push(latest);
  });
  const ctes = stages.map((stage, i) => sql`${sql.raw(`s${i}`)} as (${stage.select})`);
  const last = `s${stages.length - 1}`;
  const state = latest.state;
  // element results come with their rows, in the same statement
  const pick =
    state === 'value'
      ? sql`select p.v from ${sql.raw(last)} p`
      : sql`select g.* from ${sql.raw(last)} p join ${graphElements} g on g.session_id = ${g.sessionId} and g.alias = ${g.alias} and g.element_id = p.id`;
  const statement = sql`with ${sql.join(ctes, sql`, `)} ${pick} order by p.k limit ${MAX_QUERY_RESULTS + 1}`;
  return { statement, state };
}

export type QueryAnswer = { truncated: boolean } & ({ kind: 'elements'; elements: ElementRow[] } | { kind: 'values'; values: unknown[] });

/** Runs a query: elements, or the values of a terminal step; `truncated` past the cap. */
export async function queryGraph(db: Db, g: GraphRef, query: GraphQuery): Promise<QueryAnswer> {
  const { statement, state } = compileGraphQuery(g, query);
  return db.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local statement_timeout = ${QUERY_TIMEOUT_MS}`));
    const rows = rowsOf<RawElementRow & { v?: unknown }>(await tx.execute(statement));
    const truncated = rows.length > MAX_QUERY_RESULTS;
    const kept = rows.slice(0, MAX_QUERY_RESULTS);
    if (state === 'value') return { kind: 'values', values: kept.map((r) => r.v ?? null), truncated };
    return { kind: 'elements', elements: kept.map(elementOfRaw), truncated };
  });
}

/** A row of the elements table as raw SQL returns it (snake case; bigint as text on postgres.js). */
interface RawElementRow {
  session_id: string;
  alias: string;
  element_id: string;
  type: 'vertex' | 'edge';
  labels: string[] | null;
  label: string | null;
  from_id: string | null;
  to_id: string | null;
  props: unknown;
  rev: number;
  ord: string | number;
  user_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const elementOfRaw = (r: RawElementRow): ElementRow => ({
  sessionId: r.session_id,
  alias: r.alias,
  elementId: r.element_id,
  type: r.type,
  labels: r.labels,
  label: r.label,
  fromId: r.from_id,
  toId: r.to_id,
  props: r.props,
  rev: Number(r.rev),
  ord: Number(r.ord),
  userId: r.user_id,
  createdAt: new Date(r.created_at),
  updatedAt: new Date(r.updated_at),
});

/** The wire form of an answer: `{results, truncated}`. */
export const toQueryResults = (answer: QueryAnswer) => ({
  results: answer.kind === 'elements' ? answer.elements.map(toElementWire) : answer.values,
  truncated: answer.truncated,
});
