/**
 * sql.query: one parameterized statement against the user's PostgreSQL, reached through a stored
 * credential. Values only ever travel as bind parameters ($1, $2, … from the inputs the config
 * names), never in the SQL text. The connection goes through http-guard's rules (so never to the
 * platform's own database), the statement is bounded by `statement_timeout` and the rows by
 * `max_rows`, and `read_only` runs it in a READ ONLY transaction.
 */
import { once } from 'node:events';
import net from 'node:net';
import postgres from 'postgres';
import { z } from 'zod';
import type { CredentialBody } from '../../../core/credentials';
import type { ValueObject } from '../model';
import { primitiveOf } from '../values';
import { guardedLookup, openCredential, redactingSecrets, secretFieldsOf } from './credential-use';
import { ComponentError, type ComponentRunContext, type ComponentRunResult, type ComponentType } from './registry';

const portName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a port name: a letter or _, then letters, digits or _');

export const sqlQueryConfig = z
  .object({
    /** alias of a PostgreSQL credential: {connection_string} or {host, port?, user, password?, database?, ssl?} */
    credential: z.string().min(1).max(128),
    /** one statement; $1, $2, … are the inputs named by `parameters`, in that order */
    query: z
      .string()
      .min(1)
      .max(64 * 1024),
    parameters: z
      .array(portName)
      .max(100)
      .refine((names) => new Set(names).size === names.length, 'parameter names must be unique')
      .default([]),
    /** runs the statement in a READ ONLY transaction: the database refuses any write */
    read_only: z.boolean().default(false),
    /** rows returned at most; `truncated` tells whether there were more */
    max_rows: z.number().int().min(1).max(100_000).default(1000),
  })
  .strict();
type SqlQueryConfig = z.infer<typeof sqlQueryConfig>;

const DEFAULT_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_SECONDS = 10;

const sslMode = z.enum(['disable', 'prefer', 'require', 'verify-full']);
const connectionStringCredential = z.looseObject({ connection_string: z.string().min(1) });
const fieldsCredential = z.looseObject({
  host: z.string().min(1),
  port: z.coerce.number().int().min(1).max(65535).default(5432),
  user: z.string().min(1),
  password: z.string().optional(),
  database: z.string().optional(),
  ssl: sslMode.default('prefer'),
});

interface Target {
  host: string;
  port: number;
  user: string;
  password?: string;
  database?: string;
  ssl: z.infer<typeof sslMode>;
}

/** A `postgres://user:password@host:port/database?sslmode=…` string, one host only. */
function parseConnectionString(text: string): Target {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ComponentError('the credential connection_string is not a postgres:// URL', 'credential_invalid');
  }
  const ssl = sslMode.safeParse(url.searchParams.get('sslmode') ?? 'prefer');
  if (!['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname || url.hostname.includes(',') || !ssl.success) {
    throw new ComponentError(
      'the credential connection_string must be postgres://user:password@host:port/database (one host, sslmode disable|prefer|require|verify-full)',
      'credential_invalid',
    );
  }
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: Number(url.port) || 5432,
    user: decodeURIComponent(url.username),
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: decodeURIComponent(url.pathname.slice(1)) || undefined,
    ssl: ssl.data,
  };
}

function targetOf(body: CredentialBody): Target {
  const byString = connectionStringCredential.safeParse(body);
  if (byString.success) return parseConnectionString(byString.data.connection_string);
  const byFields = fieldsCredential.safeParse(body);
  if (!byFields.success)
    throw new ComponentError('the credential body is neither {connection_string} nor {host, port, user, password, database}', 'credential_invalid');
  const { host, port, user, password, database, ssl } = byFields.data;
  return { host, port, user, password, database, ssl };
}

/** An input as a bind parameter: JSON objects as JSON text (cast with ::jsonb), lists as arrays. */
function parameterOf(value: ValueObject | undefined): postgres.ParameterOrJSON<never> {
  if (value === undefined) return null;
  const plain = primitiveOf(value);
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) return plain as postgres.ParameterOrJSON<never>;
  return JSON.stringify(plain);
}

/** Rows as JSON: bytea as base64, 64-bit integers (returned as text) stay text, dates as ISO strings. */
const jsonRows = (rows: unknown[]): unknown[] =>
  JSON.parse(
    JSON.stringify(rows, function (this: Record<string, unknown>, key, value: unknown) {
      const original = this[key];
      return Buffer.isBuffer(original) ? original.toString('base64') : typeof value === 'bigint' ? value.toString() : value;
    }),
  ) as unknown[];

/**
 * The statement inside a READ ONLY transaction, after a first query has taken the snapshot: from
 * then on PostgreSQL refuses `SET TRANSACTION READ WRITE`, so the statement cannot lift the mode.
 */
async function readOnly<T>(tx: postgres.TransactionSql, statement: (tx: postgres.TransactionSql) => Promise<T>): Promise<T> {
  await tx`select 1`;
  return statement(tx);
}

/** A socket already connected to a checked address of the target (postgres.js then speaks TLS over it if asked). */
async function connectedSocket(host: string, port: number, lookup: net.LookupFunction, signal: AbortSignal): Promise<net.Socket> {
  const socket = net.connect({ host, port, lookup });
  try {
    await once(socket, 'connect', { signal: AbortSignal.any([signal, AbortSignal.timeout(CONNECT_TIMEOUT_SECONDS * 1000)]) });
  } catch (e) {
    socket.destroy();
    throw e;
  }
  // postgres.js names the TLS server after the socket's host
  return Object.assign(socket, { host });
}

/** The driver's error as the user reads it: PostgreSQL's message, code and position when it has them. */
function queryError(e: unknown, target: Target): ComponentError {
  if (e instanceof ComponentError) return e;
  if (e instanceof postgres.PostgresError) {
    const at = e.position ? ` (at character ${e.position})` : '';
    return new ComponentError(`PostgreSQL error ${e.code}: ${e.message}${at}`, e.code === '57014' ? 'timeout' : 'sql_error');
  }
  return new ComponentError(`cannot query ${target.host}:${target.port}: ${(e as Error).message}`, 'network');
}

/** The target as a URL, which the credential's allowed_hosts are checked against (`db.example.com` means port 5432). */
const urlOf = (target: Target) => new URL(`postgres://${net.isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}`);

async function runQuery(ctx: ComponentRunContext<SqlQueryConfig>, secrets: string[]): Promise<ComponentRunResult> {
  const { config, inputs, signal, request } = ctx;
  const body = await openCredential(ctx, config.credential, (opened) => urlOf(targetOf(opened)));
  const target = targetOf(body);
  // a password in a connection string may be percent-encoded there
  secrets.push(...secretFieldsOf(body, ['password', 'connection_string'], target.password));
  const { lookup } = await guardedLookup(ctx, target.host, target.port);
  // PostgreSQL stops the statement a little before the activity's own timeout, so that the user reads its reason
  const timeoutMs = Math.max(1, (request.component.timeoutMs ?? DEFAULT_TIMEOUT_MS) - 500);
  const options = {
    host: target.host,
    port: target.port,
    user: target.user,
    pass: target.password,
    database: target.database ?? target.user,
    ssl: target.ssl === 'disable' ? false : target.ssl,
    max: 1,
    prepare: false,
    connect_timeout: CONNECT_TIMEOUT_SECONDS,
    onnotice: () => {},
    connection: { application_name: 'blobhub sql.query', statement_timeout: timeoutMs },
    socket: () => connectedSocket(target.host, target.port, lookup, signal),
  };
  const sql = postgres(options);
  const stop = () => void sql.end({ timeout: 0 });
  signal.addEventListener('abort', stop);
  try {
    const params = config.parameters.map((name) => parameterOf(inputs[name]));
    const rows: unknown[] = [];
    const statement = async (tx: postgres.TransactionSql | postgres.Sql) =>
      tx.unsafe(config.query, params).cursor(config.max_rows + 1, (batch) => {
        rows.push(...batch);
        return rows.length > config.max_rows ? sql.CLOSE : undefined;
      });
    const result = config.read_only ? await sql.begin('read only', (tx) => readOnly(tx, statement)) : await statement(sql);
    const truncated = rows.length > config.max_rows;
    const returned = jsonRows(rows.slice(0, config.max_rows));
    return {
      route: 'success',
      outputs: {
        rows: { value: { type: 'json', json: returned } },
        row_count: { value: { type: 'integer', integer: returned.length || (result.count ?? 0) } },
        truncated: { value: { type: 'boolean', flag: truncated } },
      },
    };
  } catch (e) {
    throw queryError(e, target);
  } finally {
    signal.removeEventListener('abort', stop);
    await sql.end({ timeout: 0 });
  }
}

export const sqlQuery: ComponentType<SqlQueryConfig> = {
  type: 'sql.query',
  description: 'One parameterized SQL statement against your PostgreSQL (through a credential), optionally read-only; the rows are its output.',
  category: 'sql',
  config: sqlQueryConfig,
  runsIn: 'activity',
  routes: () => ['success', 'failure'],
  // each name in `parameters` is a data input, bound to $1, $2, … in order
  inputs: (config) => config.parameters,
  outputs: () => ['rows', 'row_count', 'truncated'],
  run: (ctx) => redactingSecrets((secrets) => runQuery(ctx, secrets)),
};
