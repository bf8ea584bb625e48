/**
 * Issue 23, the data components people reach for, through REST on the real platform: sql.query
 * against a user's own PostgreSQL (a second server the harness starts, not the platform's), S3
 * get/put against the harness's MinIO in a user's bucket, and data.transform (JSONata). The
 * components run on a standalone worker process whose debug-level JSON logs are captured: the
 * credentials' secrets appear in no output, event, list, Temporal history or log line. A second
 * platform, whose own blob store is that MinIO, refuses s3.* there.
 */
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { temporal } from '@temporalio/proto';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { s3Env } from '../../test/support/minio';
import { startPostgres, type PostgresServer } from '../../test/support/postgres';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { startWorkerProcess, type BlobHubProcess } from '../../test/support/processes';
import { comp, data, definition, ENGINE, eventsOf, flow, integer, newWorkflowBlob, start, text, upload, waitForStatus } from '../../test/support/workflow';

const PG_PASSWORD = 'pg-secret-8d1f3b7c52';
const S3_SECRET = inject('s3').secretAccessKey;
const USER_BUCKET = 'user-bucket';
const MAX_VALUE_BYTES = 256 * 1024;

let p: TestPlatform;
let worker: BlobHubProcess;
let workerLog = '';
let userDb: PostgresServer;
let userSql: postgres.Sql;
let userS3: S3Client;
let orgId: string;
let rev: string;
const executionIds: string[] = [];

const hostOf = (url: string) => new URL(url).host;

async function credential(alias: string, type: string, body: Record<string, unknown>, allowedHosts: string[]) {
  const res = await p.admin.post(`/orgs/${orgId}/credentials`, { alias, type, body, allowed_hosts: allowedHosts });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

beforeAll(async () => {
  const s3 = inject('s3');
  // one value at most 256 KiB, so that an object above it is quick to make
  [userDb, p] = await Promise.all([startPostgres(), startTestPlatform({ worker: false, env: { BLOBHUB_MAX_VALUE_BYTES: String(MAX_VALUE_BYTES) } })]);
  worker = await startWorkerProcess({ ...p.env, BLOBHUB_LOG_LEVEL: 'debug', BLOBHUB_LOG_FORMAT: 'json' }, { pipeStdout: true });
  worker.child.stdout!.on('data', (chunk: Buffer) => (workerLog += chunk.toString()));

  // the user's own database: a role with a password, a table of orders
  userSql = postgres(userDb.url, { max: 1, onnotice: () => {} });
  await userSql.unsafe(`create role shop login password '${PG_PASSWORD}'`);
  await userSql.unsafe('create table orders (id int primary key, customer text not null, total numeric not null, placed timestamptz not null)');
  await userSql.unsafe("insert into orders select i, 'c' || (i % 3), i * 10, '2026-01-01T00:00:00Z' from generate_series(1, 25) i");
  await userSql.unsafe('grant select, insert on orders to shop');
  userS3 = new S3Client({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey },
  });
  await userS3.send(new CreateBucketCommand({ Bucket: USER_BUCKET })).catch((e: Error) => {
    if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
  });

  ({ revisionId: rev } = await newWorkflowBlob(p.admin, 'acme'));
  orgId = (await p.admin.get('/orgs/acme')).body.org.id;
  const dbHost = hostOf(userDb.url);
  await credential('shop', 'postgres', { connection_string: `postgres://shop:${PG_PASSWORD}@${dbHost}/postgres` }, [dbHost]);
  const [host, port] = dbHost.split(':');
  await credential('shop-fields', 'postgres', { host, port: Number(port), user: 'shop', password: PG_PASSWORD, database: 'postgres', ssl: 'disable' }, [
    dbHost,
  ]);
  await credential('shop-elsewhere', 'postgres', { connection_string: `postgres://shop:${PG_PASSWORD}@${dbHost}/postgres` }, ['db.example.com']);
  const platformDb = hostOf(p.databaseUrl);
  await credential('platform-db', 'postgres', { connection_string: `postgres://postgres:${PG_PASSWORD}@${platformDb}/postgres` }, [platformDb]);
  const s3Body = { endpoint: s3.endpoint, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey, bucket: USER_BUCKET };
  await credential('store', 's3', s3Body, [hostOf(s3.endpoint)]);
  await credential('store-badkey', 's3', { ...s3Body, secret_access_key: 'wrong-secret-0b4e9d' }, [hostOf(s3.endpoint)]);
}, 180_000);

afterAll(async () => {
  await worker?.terminate();
  await userSql?.end();
  userS3?.destroy();
  await Promise.all([p?.close(), userDb?.stop()]);
});

/** Uploads start → `component` → end, the start's outputs wired to the component's inputs and its outputs to the end. */
async function uploadStep(alias: string, component: ReturnType<typeof comp>, inputs: string[], outputs: string[]) {
  const id = component.id;
  await upload(
    p.admin,
    rev,
    alias,
    definition(
      [comp('s', 'flow.start'), component, comp('e', 'flow.end')],
      [flow('s', id), flow(id, 'e'), ...inputs.map((port) => data('s', port, id)), ...outputs.map((port) => data(id, port, 'e'))],
    ),
  );
}

async function runStep(alias: string, inputData: unknown[] = []) {
  const execution = await start(p.admin, rev, alias, inputData);
  executionIds.push(execution.id);
  return waitForStatus(p.admin, rev, execution.id, undefined, 60_000);
}

const outputOf = (execution: { output_data: { alias: string; value: any }[] }, alias: string) => execution.output_data.find((o) => o.alias === alias)?.value;

describe('sql.query', () => {
  it('binds inputs as parameters (never into the SQL text) and returns the rows as JSON', async () => {
    const query = 'select id, customer, total, placed from orders where customer = $1 and total >= $2 order by id';
    await uploadStep(
      'orders',
      comp('q', 'sql.query', { credential: 'shop', query, parameters: ['customer', 'min_total'] }),
      ['customer', 'min_total'],
      ['rows', 'row_count', 'truncated'],
    );
    const found = await runStep('orders', [
      { alias: 'customer', value: text('c1') },
      { alias: 'min_total', value: integer(100) },
    ]);
    expect(found.status, JSON.stringify(found.error)).toBe('completed');
    expect(outputOf(found, 'rows').json[0]).toEqual({ id: 10, customer: 'c1', total: '100', placed: '2026-01-01T00:00:00.000Z' });
    expect(outputOf(found, 'row_count')).toEqual(integer(6));
    expect(outputOf(found, 'truncated')).toEqual({ type: 'boolean', flag: false });
    // the execution's lineage names the credential it used, by alias (never its body)
    const lineage = await p.admin.data(rev, ENGINE, 'get_execution_lineage', { execution_id: found.id });
    expect(lineage.body.lineage.credentials).toEqual([expect.objectContaining({ alias: 'shop', component_id: 'q', type: 'postgres' })]);

    // an injection attempt is only ever a value compared with customer
    const injected = await runStep('orders', [
      { alias: 'customer', value: text("c1' or 1=1 --") },
      { alias: 'min_total', value: integer(0) },
    ]);
    expect(injected.status, JSON.stringify(injected.error)).toBe('completed');
    expect(outputOf(injected, 'rows').json).toEqual([]);
  });

  it('stops at max_rows and says the result was truncated; a credential may also be written as fields', async () => {
    await uploadStep(
      'first-rows',
      comp('q', 'sql.query', { credential: 'shop-fields', query: 'select id from orders order by id', max_rows: 5 }),
      [],
      ['rows', 'truncated'],
    );
    const execution = await runStep('first-rows');
    expect(execution.status, JSON.stringify(execution.error)).toBe('completed');
    expect(outputOf(execution, 'rows').json).toEqual([1, 2, 3, 4, 5].map((id) => ({ id })));
    expect(outputOf(execution, 'truncated')).toEqual({ type: 'boolean', flag: true });
  });

  it('writes unless read_only, which the database enforces', async () => {
    const insert = 'insert into orders values ($1, $2, 1, now())';
    await uploadStep(
      'insert',
      comp('q', 'sql.query', { credential: 'shop', query: insert, parameters: ['id', 'customer'] }),
      ['id', 'customer'],
      ['row_count'],
    );
    await uploadStep(
      'insert-ro',
      comp('q', 'sql.query', { credential: 'shop', query: insert, parameters: ['id', 'customer'], read_only: true }),
      ['id', 'customer'],
      ['row_count'],
    );
    const inserted = await runStep('insert', [
      { alias: 'id', value: integer(100) },
      { alias: 'customer', value: text('new') },
    ]);
    expect(inserted.status, JSON.stringify(inserted.error)).toBe('completed');
    expect(outputOf(inserted, 'row_count')).toEqual(integer(1));
    const refused = await runStep('insert-ro', [
      { alias: 'id', value: integer(101) },
      { alias: 'customer', value: text('new') },
    ]);
    expect(refused).toMatchObject({ status: 'failed', error: { kind: 'sql_error' } });
    expect(refused.error.message).toContain('cannot execute INSERT in a read-only transaction');
    expect((await userSql`select id from orders where id >= 100`).map((r) => r.id)).toEqual([100]);
  });

  it('fails with the database reason on a bad input and at its timeout', async () => {
    await uploadStep(
      'by-id',
      comp('q', 'sql.query', { credential: 'shop', query: 'select * from orders where id = $1::int', parameters: ['id'] }),
      ['id'],
      ['rows'],
    );
    const bad = await runStep('by-id', [{ alias: 'id', value: text('seven') }]);
    expect(bad).toMatchObject({ status: 'failed', error: { kind: 'sql_error' } });
    expect(bad.error.message).toContain('PostgreSQL error 22P02: invalid input syntax for type integer: "seven"');

    await uploadStep('slow', comp('q', 'sql.query', { credential: 'shop', query: 'select pg_sleep(30)' }, { timeout_ms: 2000 }), [], ['rows']);
    const slow = await runStep('slow');
    expect(slow).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
    expect(slow.error.message).toContain('canceling statement due to statement timeout');
  });

  it("never reaches the platform's own database, nor a host the credential does not allow", async () => {
    await uploadStep('own-db', comp('q', 'sql.query', { credential: 'platform-db', query: 'select * from users' }), [], ['rows']);
    const own = await runStep('own-db');
    expect(own).toMatchObject({ status: 'failed', error: { kind: 'blocked_destination' } });
    expect(own.error.message).toContain("is one of the platform's own services");

    await uploadStep('elsewhere', comp('q', 'sql.query', { credential: 'shop-elsewhere', query: 'select 1' }), [], ['rows']);
    const elsewhere = await runStep('elsewhere');
    expect(elsewhere).toMatchObject({ status: 'failed', error: { kind: 'credential_host_not_allowed' } });
  });

  it('refuses a definition whose parameters are not ports, or that has no query', async () => {
    const res = await p.admin.data(rev, ENGINE, 'validate_definition', {
      definition: definition([comp('s', 'flow.start'), comp('q', 'sql.query', { credential: 'shop', query: '', parameters: ['a b'] })], [flow('s', 'q')]),
    });
    expect(res.body.valid).toBe(false);
    const messages = res.body.errors.map((e: { message: string }) => e.message);
    expect(messages).toContain('sql.query config.query: Too small: expected string to have >=1 characters');
    expect(messages).toContain('sql.query config.parameters.0: a port name: a letter or _, then letters, digits or _');
  });
});

describe('s3.put_object and s3.get_object', () => {
  it("writes an object to the user's bucket and reads it back as text and as JSON", async () => {
    await uploadStep('put', comp('w', 's3.put_object', { credential: 'store' }), ['key', 'body'], ['object']);
    const put = await runStep('put', [
      { alias: 'key', value: text('reports/today.json') },
      { alias: 'body', value: { type: 'json', json: { sold: 3, items: ['a', 'b'] } } },
    ]);
    expect(put.status, JSON.stringify(put.error)).toBe('completed');
    expect(outputOf(put, 'object').json).toMatchObject({ bucket: USER_BUCKET, key: 'reports/today.json', size: 28 });
    const stored = await userS3.send(new GetObjectCommand({ Bucket: USER_BUCKET, Key: 'reports/today.json' }));
    expect(stored.ContentType).toBe('application/json');
    expect(await stored.Body!.transformToString()).toBe('{"sold":3,"items":["a","b"]}');

    await uploadStep('get-json', comp('r', 's3.get_object', { credential: 'store', key: 'reports/today.json', format: 'json' }), [], ['body', 'object']);
    const asJson = await runStep('get-json');
    expect(asJson.status, JSON.stringify(asJson.error)).toBe('completed');
    expect(outputOf(asJson, 'body')).toEqual({ type: 'json', json: { sold: 3, items: ['a', 'b'] } });
    expect(outputOf(asJson, 'object').json).toMatchObject({ bucket: USER_BUCKET, key: 'reports/today.json', size: 28, content_type: 'application/json' });

    await uploadStep('get-text', comp('r', 's3.get_object', { credential: 'store' }), ['key'], ['body']);
    const asText = await runStep('get-text', [{ alias: 'key', value: text('reports/today.json') }]);
    expect(outputOf(asText, 'body')).toEqual(text('{"sold":3,"items":["a","b"]}'));
  });

  it('fails clearly on a missing object, a bad key pair, an object above the value limit and a body that is not base64', async () => {
    await uploadStep('get-missing', comp('r', 's3.get_object', { credential: 'store', key: 'nothing/here' }), [], ['body']);
    const missing = await runStep('get-missing');
    expect(missing).toMatchObject({ status: 'failed', error: { kind: 'not_found' } });
    expect(missing.error.message).toContain(`s3://${USER_BUCKET}/nothing/here`);

    await uploadStep('get-badkey', comp('r', 's3.get_object', { credential: 'store-badkey', key: 'reports/today.json' }), [], ['body']);
    const forbidden = await runStep('get-badkey');
    expect(forbidden).toMatchObject({ status: 'failed', error: { kind: 'forbidden' } });
    expect(forbidden.error.message).toContain('SignatureDoesNotMatch');

    // an object above one value's limit is refused before it is read
    await userS3.send(new PutObjectCommand({ Bucket: USER_BUCKET, Key: 'big.bin', Body: Buffer.alloc(MAX_VALUE_BYTES + 1) }));
    await uploadStep('get-big', comp('r', 's3.get_object', { credential: 'store', key: 'big.bin', format: 'base64' }), [], ['body']);
    const big = await runStep('get-big');
    expect(big).toMatchObject({ status: 'failed', error: { kind: 'value_too_large' } });
    expect(big.error.message).toContain('the object is 0.250 MiB, above the limit of 0.250 MiB per value (BLOBHUB_MAX_VALUE_BYTES)');

    await uploadStep('put-binary', comp('w', 's3.put_object', { credential: 'store', key: 'bin', encoding: 'base64' }), ['body'], ['object']);
    const notBase64 = await runStep('put-binary', [{ alias: 'body', value: text('not base64!') }]);
    expect(notBase64).toMatchObject({ status: 'failed', error: { kind: 'invalid_input' } });
    expect(notBase64.error.message).toBe('s3.put_object w (w) failed: the body input is not base64 text');
  });
});

describe("the platform's own blob store", () => {
  let own: TestPlatform;
  beforeAll(async () => {
    own = await startTestPlatform({ env: s3Env(inject('s3'), 'platform-store') });
  }, 120_000);
  afterAll(() => own?.close());

  it('is refused to s3.* even in another bucket, whatever allowed_hosts says', async () => {
    const s3 = inject('s3');
    const { revisionId } = await newWorkflowBlob(own.admin, 'tenant');
    const tenantId = (await own.admin.get('/orgs/tenant')).body.org.id;
    const body = { endpoint: s3.endpoint, access_key_id: s3.accessKeyId, secret_access_key: s3.secretAccessKey, bucket: USER_BUCKET };
    const created = await own.admin.post(`/orgs/${tenantId}/credentials`, { alias: 'store', type: 's3', body, allowed_hosts: [hostOf(s3.endpoint)] });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const steps = [comp('s', 'flow.start'), comp('r', 's3.get_object', { credential: 'store', key: 'reports/today.json' }), comp('e', 'flow.end')];
    await upload(own.admin, revisionId, 'read', definition(steps, [flow('s', 'r'), flow('r', 'e')]));
    const execution = await waitForStatus(own.admin, revisionId, (await start(own.admin, revisionId, 'read')).id, undefined, 60_000);
    expect(execution).toMatchObject({ status: 'failed', error: { kind: 'blocked_destination' } });
    expect(execution.error.message).toContain("is one of the platform's own services");
  });
});

describe('data.transform', () => {
  it('reshapes its input with JSONata, every input also a variable', async () => {
    const expression = '{ "customers": $distinct(orders.customer), "total": $sum(orders[customer = $who].total) }';
    await uploadStep('summary', comp('t', 'data.transform', { expression }), ['input', 'who'], ['result']);
    const orders = [
      { customer: 'ann', total: 5 },
      { customer: 'bob', total: 7 },
      { customer: 'ann', total: 1 },
    ];
    const execution = await runStep('summary', [
      { alias: 'input', value: { type: 'json', json: { orders } } },
      { alias: 'who', value: text('ann') },
    ]);
    expect(execution.status, JSON.stringify(execution.error)).toBe('completed');
    expect(outputOf(execution, 'result')).toEqual({ type: 'json', json: { customers: ['ann', 'bob'], total: 6 } });
  });

  it('refuses an expression with a syntax error at upload, naming its position', async () => {
    const bad = definition([comp('s', 'flow.start'), comp('t', 'data.transform', { expression: 'orders[total > ]' })], [flow('s', 't')]);
    const uploaded = await p.admin.data(rev, ENGINE, 'upload_definition', { alias: 'bad', definition: bad });
    expect(uploaded.status).toBe(400);
    expect(JSON.stringify(uploaded.body)).toContain('data.transform config.expression: JSONata syntax error: ');
    const validated = await p.admin.data(rev, ENGINE, 'validate_definition', { definition: bad });
    expect(validated.body.errors).toEqual([
      { component_id: 't', message: expect.stringMatching(/^data\.transform config\.expression: JSONata syntax error: .* \(at position 16\)$/) },
    ]);
  });

  it('stops a runaway expression at its time limit and a deep recursion at its depth', async () => {
    const spin = '($loop := function($n) { $loop($n + 1) }; $loop(0))';
    await uploadStep('spin', comp('t', 'data.transform', { expression: spin }, { timeout_ms: 2000 }), [], ['result']);
    const spun = await runStep('spin');
    expect(spun).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
    expect(spun.error.message).toContain('Evaluation timeout after 1500 milliseconds');

    // a catastrophic regular expression never returns to JSONata's checks: its thread is ended
    await uploadStep('backtrack', comp('t', 'data.transform', { expression: '$match("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /(a+)+$/)' }), [], ['result']);
    const backtracked = await runStep('backtrack');
    expect(backtracked).toMatchObject({ status: 'failed', error: { kind: 'timeout' } });
    expect(backtracked.error.message).toContain('Evaluation timeout after 1000 milliseconds');

    await uploadStep('recurse', comp('t', 'data.transform', { expression: '($f := function($n) { 1 + $f($n + 1) }; $f(0))' }), [], ['result']);
    const recursed = await runStep('recurse');
    expect(recursed).toMatchObject({ status: 'failed', error: { kind: 'transform_error' } });
    expect(recursed.error.message).toContain('Stack overflow');

    // and the next transform runs as before
    await uploadStep('double', comp('t', 'data.transform', { expression: '$ * 2' }), ['input'], ['result']);
    const after = await runStep('double', [{ alias: 'input', value: integer(21) }]);
    expect(outputOf(after, 'result')).toEqual({ type: 'json', json: 42 });
  });
});

describe('the editor catalog', () => {
  it('lists the new types with their ports and config schemas', async () => {
    const res = await p.admin.data(rev, ENGINE, 'list_component_types', {});
    const byType = new Map(res.body.component_types.map((t: { type: string }) => [t.type, t]));
    expect(byType.get('sql.query')).toMatchObject({ category: 'sql', runs_in: 'activity', routes: ['success', 'failure'], data_inputs: 'depends_on_config' });
    expect(byType.get('s3.get_object')).toMatchObject({ category: 's3', data_inputs: ['key'], data_outputs: ['body', 'object'] });
    expect(byType.get('s3.put_object')).toMatchObject({ category: 's3', data_inputs: ['key', 'body'], data_outputs: ['object'] });
    expect(byType.get('data.transform')).toMatchObject({ category: 'data', data_inputs: 'any', data_outputs: ['result'] });
    expect((byType.get('sql.query') as { config_schema: { required: string[] } }).config_schema.required).toEqual(['credential', 'query']);
  });
});

describe('secrets', () => {
  it('appear in no output, error, event, list, Temporal history or worker log line', async () => {
    const secrets = [PG_PASSWORD, S3_SECRET, 'wrong-secret-0b4e9d'];
    const recorded: string[] = [JSON.stringify((await p.admin.data(rev, ENGINE, 'list_executions', { limit: 100 })).body), workerLog];
    const histories: Buffer[] = [];
    for (const id of executionIds) {
      recorded.push(
        JSON.stringify((await p.admin.data(rev, ENGINE, 'get_execution', { execution_id: id })).body),
        JSON.stringify(await eventsOf(p.admin, rev, id)),
      );
      histories.push(Buffer.from(temporal.api.history.v1.History.encode(await p.app.temporal.client.workflow.getHandle(id).fetchHistory()).finish()));
    }
    expect(workerLog).toContain('"msg"');
    for (const secret of secrets) {
      for (const text of recorded) expect(text).not.toContain(secret);
      for (const history of histories) expect(history.includes(Buffer.from(secret))).toBe(false);
    }
  });
});
