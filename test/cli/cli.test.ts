/**
 * The real `blobhub` binary against a real platform (PostgreSQL, Temporal, MinIO): login and
 * profiles, orgs and blobs, definitions round trip, run, live events, schedules, a multi-part
 * ONNX upload with progress, and the exit codes scripts rely on.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { comp, data, definition, fibonacciCode, flow } from '../support/workflow-builders';
import { s3Env } from '../support/onnx-client';
import { writeBigModel } from '../support/onnx-models';
import { startTestPlatform, type TestPlatform } from '../support/platform';
import { blobhub, spawnBlobhub, userEnv } from './run-cli';

const FIBONACCI = path.resolve(import.meta.dirname, '../../docs/examples/fibonacci.json');
const MiB = 1024 * 1024;

let p: TestPlatform;
let dir: string;
/** the environment of a user who has run `blobhub login` */
let env: ReturnType<typeof userEnv>;
const cli = (...args: string[]) => blobhub(args, env);
const json = async (...args: string[]) => {
  const res = await cli('--json', ...args);
  expect(res.code, res.stderr).toBe(0);
  return JSON.parse(res.stdout);
};

beforeAll(async () => {
  p = await startTestPlatform({ env: s3Env() });
  dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-cli-'));
  env = userEnv();
});
afterAll(async () => {
  await p?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('login', () => {
  it('verifies the key, writes the profile file the Python SDK reads, and whoami uses it', async () => {
    const login = await blobhub(['login', '--url', `${p.url}/v1`, '--api-key-stdin', '--no-input'], env, `${p.adminKey}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('as Instance admin <admin@example.com>; profile default saved');
    const file = path.join(env.BLOBHUB_HOME, 'credentials.yaml');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(parse(readFileSync(file, 'utf8'))).toEqual({ default: 'default', profiles: { default: { key: p.adminKey, url: `${p.url}/v1` } } });

    const whoami = await cli('whoami');
    expect(whoami.code, whoami.stderr).toBe(0);
    expect(whoami.stdout).toMatch(/email\s+admin@example\.com/);
    expect(whoami.stdout).toMatch(/credential\s+profile:default/);
    expect(await json('whoami')).toMatchObject({ email: 'admin@example.com', url: `${p.url}/v1`, source: 'profile:default' });
  });

  it('refuses a wrong key with the auth exit code and leaves the file alone', async () => {
    const before = readFileSync(path.join(env.BLOBHUB_HOME, 'credentials.yaml'), 'utf8');
    const login = await blobhub(['--profile', 'other', 'login', '--url', `${p.url}/v1`, '--api-key-stdin'], env, 'bhk_wrong');
    expect(login.code).toBe(5);
    expect(login.stderr).toContain('error: unauthenticated:');
    expect(readFileSync(path.join(env.BLOBHUB_HOME, 'credentials.yaml'), 'utf8')).toBe(before);
  });

  it('refuses a credentials file that others can read, as the Python SDK does', async () => {
    const file = path.join(env.BLOBHUB_HOME, 'credentials.yaml');
    chmodSync(file, 0o644);
    try {
      const res = await cli('whoami');
      expect(res.code).toBe(5);
      expect(res.stderr).toContain(`run chmod 600 ${file}`);
    } finally {
      chmodSync(file, 0o600);
    }
  });

  it('honours BLOBHUB_API_URL and BLOBHUB_API_KEY without any file, and BLOBHUB_PROFILE', async () => {
    const bare = userEnv({ BLOBHUB_API_URL: `${p.url}/v1`, BLOBHUB_API_KEY: p.adminKey });
    expect(JSON.parse((await blobhub(['--json', 'whoami'], bare)).stdout)).toMatchObject({ email: 'admin@example.com', source: 'env' });
    const missing = await blobhub(['whoami'], { ...env, BLOBHUB_PROFILE: 'nope' });
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain('no profile nope');
    const anonymous = await blobhub(['orgs', 'ls'], userEnv({ BLOBHUB_API_URL: `${p.url}/v1` }));
    expect(anonymous.code).toBe(5);
  });

  it('keeps several profiles: login adds one as the default, profile use switches, logout forgets', async () => {
    const login = await blobhub(['--profile', 'staging', 'login', '--url', p.url, '--api-key-stdin'], env, p.adminKey);
    expect(login.code, login.stderr).toBe(0);
    expect(await json('profile', 'ls')).toEqual({
      default: 'staging',
      profiles: [
        { name: 'default', url: `${p.url}/v1`, default: false },
        { name: 'staging', url: `${p.url}/v1`, default: true },
      ],
    });
    expect((await cli('profile', 'use', 'default')).code).toBe(0);
    expect((await json('--profile', 'staging', 'whoami')).source).toBe('profile:staging');
    expect((await cli('--profile', 'staging', 'logout')).code).toBe(0);
    expect((await json('profile', 'ls')).profiles.map((r: { name: string }) => r.name)).toEqual(['default']);
    expect((await cli('profile', 'use', 'staging')).code).toBe(4);
  });
});

describe('workflow blobs', () => {
  it('creates an org and a blob, lists and shows them by name and id', async () => {
    expect((await cli('orgs', 'create', 'acme', '--display-name', 'Acme Inc')).code).toBe(0);
    expect((await cli('orgs', 'ls')).stdout).toMatch(/acme\s+org_\w+\s+Acme Inc/);
    const created = await json('blobs', 'create', 'acme/flows', '--type', 'workflow');
    expect(created.blob).toMatchObject({ name: 'flows', type: 'workflow', visibility: 'private' });
    expect((await cli('blobs', 'ls', 'acme')).stdout).toMatch(new RegExp(`flows\\s+${created.blob.id}\\s+workflow\\s+private`));
    expect((await json('blobs', 'show', created.blob.id)).blob.name).toBe('flows');
    const shown = await cli('blobs', 'show', 'acme/flows');
    expect(shown.stdout).toMatch(/latest revision 1: draft, ready/);
  });

  it('pushes a definition from a file and pulls it back unchanged', async () => {
    const pushed = await json('definitions', 'push', 'acme/flows', FIBONACCI);
    expect(pushed.definition.alias).toBe('fibonacci');
    const pulledFile = path.join(dir, 'pulled.json');
    const pull = await cli('definitions', 'pull', 'acme/flows', 'fibonacci', '-o', pulledFile);
    expect(pull.code, pull.stderr).toBe(0);
    expect(JSON.parse(readFileSync(pulledFile, 'utf8'))).toEqual(JSON.parse(readFileSync(FIBONACCI, 'utf8')));
    // Pushing what was pulled changes nothing: the same content hash.
    const again = await json('definitions', 'push', 'acme/flows', pulledFile, '--alias', 'fibonacci');
    expect(again.definition.content_hash).toBe(pushed.definition.content_hash);
    expect((await cli('definitions', 'pull', 'acme/flows', 'fibonacci')).stdout).toContain('"type": "logic.code"');
  });

  it('runs fibonacci(10) and prints 55', async () => {
    const run = await cli('run', 'acme/flows', 'fibonacci', '--input', 'n=10');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Execution exe_\w+ succeeded/);
    expect(run.stdout).toMatch(/result\s+integer\s+55/);
    const scripted = await json('run', 'acme/flows', 'fibonacci', '-i', 'n:integer=20');
    expect(scripted.execution.output_data).toEqual([{ alias: 'result', value: { type: 'integer', integer: 6765 } }]);
  });

  it('follows a live execution until it ends, then lists the same events', async () => {
    // The execution waits for a signal, so it is surely still running while the follower starts.
    const gated = definition(
      [
        comp('s', 'flow.start'),
        comp('w', 'flow.wait', { signal: 'go', timeout_seconds: 600 }),
        comp('c', 'logic.code', { language: 'javascript', code: fibonacciCode }),
        comp('e', 'flow.end'),
      ],
      [flow('s', 'w'), flow('w', 'c'), flow('c', 'e'), data('s', 'n', 'c'), data('c', 'result', 'e')],
    );
    const file = path.join(dir, 'gated.json');
    writeFileSync(file, JSON.stringify(gated));
    await json('definitions', 'push', 'acme/flows', file);
    const { execution } = await json('run', 'acme/flows', 'gated', '--input', 'n=10', '--no-wait');

    const follower = spawnBlobhub(['--json', 'events', 'acme/flows', execution.id, '--follow'], env);
    await follower.waitForLines(1);
    const before = follower.lines.length;
    const signal = await p.admin.data(execution.revision_id, 'workflow_blobhub', 'signal_execution', { execution_id: execution.id, name: 'go' });
    expect(signal.status).toBe(200);
    const { code, stderr } = await follower.exited;
    expect(code, stderr).toBe(0);
    const events = follower.lines.map((line) => JSON.parse(line));
    // What came after the signal arrived live: at least the code component and the end.
    expect(events.slice(before).map((e) => e.type)).toEqual(expect.arrayContaining(['processor.entered', 'processor.exited', 'execution_ended']));
    expect(events.at(-1)).toMatchObject({ type: 'execution_ended', execution_id: execution.id, attributes: { status: 'succeeded' } });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['execution_started', 'flow.entered', 'processor.entered', 'processor.exited']));
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);

    const stored = await json('events', 'acme/flows', execution.id);
    expect(stored.events.map((e: { id: string }) => e.id)).toEqual(events.map((e) => e.id));
    const human = await cli('events', 'acme/flows', execution.id, '--type', 'execution_ended');
    expect(human.stdout.trim()).toMatch(new RegExp(`^#\\d+\\s+\\S+Z\\s+${execution.id}\\s+execution_ended\\s+\\{"status":"succeeded"\\}$`));
  });

  it('follows a whole session: past executions first, then new ones live, until stopped', async () => {
    const first = (await json('run', 'acme/flows', 'fibonacci', '-i', 'n=3')).execution;
    const follower = spawnBlobhub(['events', 'acme/flows', first.session_id, '--follow', '--type', 'execution_ended'], env);
    await follower.waitForLines(1);
    const second = (await json('run', 'acme/flows', 'fibonacci', '-i', 'n=4', '--session', first.session_id)).execution;
    expect(second.session_id).toBe(first.session_id);
    await follower.waitForLines(2);
    follower.kill();
    await follower.exited;
    expect(follower.lines).toEqual(
      [first.id, second.id].map((id) => expect.stringMatching(new RegExp(`${id}\\s+execution_ended\\s+\\{"status":"succeeded"\\}$`))),
    );
  });
});

describe('revisions', () => {
  it('commits and snapshots a draft, opens the next one, and refuses edits to the frozen one', async () => {
    await json('blobs', 'create', 'acme/released', '--type', 'workflow');
    await json('definitions', 'push', 'acme/released', FIBONACCI);
    const committed = await cli('revisions', 'commit', 'acme/released');
    expect(committed.code, committed.stderr).toBe(0);
    expect(committed.stdout).toMatch(/^Revision 1 \(rev_\w+\) committed: phase commit/);
    const { revision: first } = await json('revisions', 'snapshot', 'acme/released');
    expect(first).toMatchObject({ number: 1, phase: 'snapshot' });
    const { revision: second } = await json('revisions', 'create', 'acme/released');
    expect(second).toMatchObject({ number: 2, phase: 'draft', parent_revision_id: first.id });
    expect((await cli('revisions', 'ls', 'acme/released')).stdout).toMatch(new RegExp(`2\\s+${second.id}\\s+draft[\\s\\S]*1\\s+${first.id}\\s+snapshot`));

    const frozen = await cli('definitions', 'push', 'acme/released', FIBONACCI, '--revision', first.id);
    expect(frozen.code).toBe(3);
    expect(frozen.stderr).toMatch(/^error: conflict:/);
    // The snapshot still runs: runtime state is not content.
    expect((await cli('run', 'acme/released', 'fibonacci', '-i', 'n=7', '--revision', first.id)).stdout).toMatch(/result\s+integer\s+13/);
  });
});

describe('schedules', () => {
  it('creates, lists, pauses and unpauses a schedule that runs a workflow', async () => {
    await json('blobs', 'create', 'acme/cron', '--type', 'scheduler');
    const { schedule } = await json(
      'schedules',
      'create',
      'acme/cron',
      '--target',
      'acme/flows',
      '--workflow',
      'fibonacci',
      '--cron',
      '0 9 ? * MON-FRI *',
      '--timezone',
      'Europe/Berlin',
      '--input',
      'n=5',
    );
    expect(schedule).toMatchObject({ state: 'active', repeat: 'recurring_cron', timezone: 'Europe/Berlin' });
    expect(schedule.invocation_target).toMatchObject({ workflow_alias: 'fibonacci', input_data: [{ alias: 'n', value: { type: 'integer', integer: 5 } }] });
    expect(schedule.next_fire_times).toHaveLength(5);

    expect((await cli('schedules', 'ls', 'acme/cron')).stdout).toMatch(new RegExp(`${schedule.id}\\s+active\\s+cron 0 9 \\? \\* MON-FRI \\*\\s+Europe/Berlin`));
    const paused = await cli('schedules', 'pause', 'acme/cron', schedule.id, '--note', 'holidays');
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stdout).toContain(`Schedule ${schedule.id} paused: paused`);
    expect((await json('schedules', 'ls', 'acme/cron')).schedules[0]).toMatchObject({ id: schedule.id, state: 'paused', pause_note: 'holidays' });
    expect((await json('schedules', 'unpause', 'acme/cron', schedule.id)).schedule.state).toBe('active');
  });
});

describe('triggers', () => {
  it('creates a webhook trigger with an input mapping, lists, rotates and revokes it', async () => {
    const created = await cli('triggers', 'create', 'acme/flows', '--workflow', 'fibonacci', '--auth', 'secret', '--sync', '--map', 'n=body:/n:integer');
    expect(created.code, created.stderr).toBe(0);
    const [, id, url] = /Trigger (trg_\w+) created: active, POST (\S+)/.exec(created.stdout) ?? [];
    const secret = /secret \(shown once, keep it\): (bhw_\S+)/.exec(created.stdout)?.[1];
    const send = (key: string | undefined) =>
      fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, body: JSON.stringify({ n: 10 }) });
    const answer = await send(secret);
    expect(answer.status).toBe(200);
    expect(((await answer.json()) as { execution: { output_data: unknown } }).execution.output_data).toEqual([
      { alias: 'result', value: { type: 'integer', integer: 55 } },
    ]);

    expect((await cli('triggers', 'ls', 'acme/flows')).stdout).toMatch(new RegExp(`${id}\\s+active\\s+fibonacci\\s+rev_\\w+\\s+sync\\s+secret`));
    const rotated = await json('triggers', 'rotate', 'acme/flows', id!);
    expect(rotated.trigger.secret).not.toBe(secret);
    expect((await send(secret)).status).toBe(401);
    expect((await json('triggers', 'revoke', 'acme/flows', id!)).trigger.status).toBe('revoked');
    expect((await send(rotated.trigger.secret)).status).toBe(404);
    expect((await json('triggers', 'ls', 'acme/flows')).triggers).toEqual([]);

    const bad = await cli('triggers', 'create', 'acme/flows', '--workflow', 'fibonacci', '--map', 'n=cookie:x');
    expect(bad.code).toBe(2);
  });
});

describe('onnx', () => {
  it('uploads a model larger than one part in parallel parts with progress, then describes it', { timeout: 120_000 }, async () => {
    const file = path.join(dir, 'big.onnx');
    const { size, sha256 } = await writeBigModel(file, 5 * MiB); // 20 MiB: two 16 MiB parts
    await json('blobs', 'create', 'acme/model', '--type', 'onnx');

    const upload = await cli('onnx', 'upload', 'acme/model', file, '--concurrency', '2');
    expect(upload.code, upload.stderr).toBe(0);
    expect(upload.stderr).toContain('uploaded part 1/2');
    expect(upload.stderr).toContain(`uploaded part 2/2: ${(size / MiB).toFixed(1)} MiB of ${(size / MiB).toFixed(1)} MiB (100%)`);
    expect(upload.stdout).toContain('in 2 parts');
    expect(upload.stdout).toMatch(/graph_name\s+big/);

    const described = await json('onnx', 'describe', 'acme/model');
    expect(described.model).toMatchObject({ path: 'model.onnx', size, sha256, graph_name: 'big', parameter_count: 5 * MiB });
    expect(described.model.inputs.map((i: { name: string }) => i.name)).toEqual(['A', 'B']);
    expect((await cli('onnx', 'describe', 'acme/model')).stdout).toMatch(/input\s+A\s+float32\s+\[batch, 3\]/);
  });
});

describe('exit codes', () => {
  it('tells usage errors, API refusals, missing things and unreachable servers apart', async () => {
    const usage = await cli('blobs', 'create', 'no-slash', '--type', 'workflow');
    expect([usage.code, usage.stderr]).toEqual([2, 'error: name the blob as org/blob, not no-slash\n']);
    expect((await cli('blobs', 'create', 'acme/x', '--type', 'spreadsheet')).code).toBe(2);
    expect((await cli('run', 'acme/flows', 'fibonacci', '--input', 'n:integer=1.5')).code).toBe(2);
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('schedules', 'create', 'acme/cron', '--target', 'acme/flows', '--workflow', 'fibonacci')).stderr).toContain(
      'exactly one of --cron and --at',
    );

    const conflict = await cli('orgs', 'create', 'acme');
    expect(conflict.code).toBe(3);
    expect(conflict.stderr).toMatch(/^error: conflict: an organization named acme already exists/);
    const invalid = await cli('--json', 'definitions', 'push', 'acme/flows', path.join(dir, 'pulled.json'), '--alias', 'bad alias!');
    expect(invalid.code).toBe(3);
    expect(JSON.parse(invalid.stderr).error.code).toBe('bad_request');

    const missing = await cli('blobs', 'show', 'acme/nothing');
    expect(missing.code).toBe(4);
    expect(missing.stderr).toMatch(/^error: not_found:/);
    expect((await cli('run', 'acme/flows', 'no-such-definition')).code).toBe(4);

    const failing = path.join(dir, 'failing.json');
    writeFileSync(
      failing,
      JSON.stringify(
        definition(
          [comp('s', 'flow.start'), comp('c', 'logic.code', { language: 'javascript', code: "throw new Error('boom')" }), comp('e', 'flow.end')],
          [flow('s', 'c'), flow('c', 'e')],
        ),
      ),
    );
    await json('definitions', 'push', 'acme/flows', failing);
    const failed = await cli('run', 'acme/flows', 'failing');
    expect(failed.code).toBe(6);
    expect(failed.stdout).toMatch(/Execution exe_\w+ failed/);
    expect(failed.stderr).toMatch(/^error: execution exe_\w+ ended failed/);

    const unreachable = await blobhub(['whoami'], userEnv({ BLOBHUB_API_URL: 'http://127.0.0.1:9/v1', BLOBHUB_API_KEY: p.adminKey }));
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain('cannot reach http://127.0.0.1:9');
  });
});

it('is the blobhub bin of the repository, runnable with npx', async () => {
  const root = path.resolve(import.meta.dirname, '../..');
  const npx = await new Promise<{ code: number; stdout: string }>((resolve) =>
    execFile('npx', ['blobhub', '--version'], { cwd: root, env: userEnv() }, (error, stdout) => resolve({ code: error ? 1 : 0, stdout })),
  );
  expect(npx).toEqual({ code: 0, stdout: '0.1.0\n' });
  expect(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).bin).toEqual({ blobhub: 'apps/cli/bin/blobhub.mjs' });
});
