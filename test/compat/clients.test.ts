/**
 * The published BlobHub clients, unchanged from PyPI, against a running BlobHub: the `blobhub`
 * SDK (driven by test/compat/sdk_checks.py) and the `blobhub` CLI of `blobhub-cli`. They are
 * installed by `scripts/install-services.sh python-clients` into .tools/python-clients.
 * Nothing here fakes a client: each check is the client's own code talking HTTP to the server.
 * `blobhub-worker` is driven by test/compat/worker_checks.py: its `start` command runs the package's
 * own scripted `test_double` agent against a session, while a second user talks to it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { repoRoot } from '../../apps/dev/processes';
import { clientHomeOf, writeClientProfile } from '../../apps/dev/client-profile';
import { addModel } from '../support/onnx-models';
import { comp, definition, fibonacciDefinition, flow } from '../support/workflow-builders';
import { upload } from '../support/workflow';
import { newUser, signInAdmin } from '../support/people';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const run = promisify(execFile);
const clients = path.join(repoRoot, '.tools', 'python-clients', 'bin');
const ORG = 'compat';

let p: TestPlatform;
let work: string;
/** The environment the clients see: the platform's URL (with /v1) and the bootstrap admin key. */
let byEnv: { PATH: string; HOME: string; BLOBHUB_API_URL: string; BLOBHUB_API_KEY: string };

/** A blob of a type and its first draft revision id. */
async function blob(name: string, type: string, visibility = 'private') {
  const res = await p.admin.post(`/orgs/${ORG}/blobs`, { name, type, visibility });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.revision.id as string;
}

beforeAll(async () => {
  await run('bash', [path.join(repoRoot, 'scripts', 'install-services.sh'), 'python-clients'], { cwd: repoRoot });
  p = await startTestPlatform();
  work = mkdtempSync(path.join(os.tmpdir(), 'blobhub-compat-'));
  // HOME without a profile: the clients resolve the key from the environment only
  byEnv = { PATH: process.env.PATH ?? '', HOME: work, BLOBHUB_API_URL: `${p.url}/v1`, BLOBHUB_API_KEY: p.adminKey };
  expect((await p.admin.post('/orgs', { name: ORG })).status).toBe(200);
  const flows = await blob('flows', 'blobhub.compute.workflow');
  await upload(p.admin, flows, 'fibonacci', fibonacciDefinition());
  await upload(
    p.admin,
    flows,
    'slow',
    definition([comp('s', 'flow.start'), comp('w', 'flow.delay', { seconds: 600 }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]),
  );
  await blob('drafts', 'workflow');
  await blob('public-notes', 'workflow', 'public');
  await blob('cli-flows', 'workflow');
  await blob('timers', 'blobhub.compute.scheduler');
  await blob('model', 'blobhub.model.onnx');
  writeFileSync(path.join(work, 'add.onnx'), addModel());
}, 600_000);

afterAll(async () => {
  await p?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

interface CheckResult {
  check: string;
  ok: boolean;
  detail: unknown;
}

/** Runs a Python check script of test/compat with the clients' interpreter; its results, one per check. */
async function pythonChecks(script: string, args: string[], env: Record<string, string>): Promise<CheckResult[]> {
  const { stdout } = await run(path.join(clients, 'python'), [path.join(repoRoot, 'test', 'compat', script), ...args], {
    env: { ...env, COMPAT_ORG: ORG },
    timeout: 300_000,
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as CheckResult);
}

/** Runs one group of sdk_checks.py. */
const sdkChecks = (group: string, env: Record<string, string>) =>
  pythonChecks('sdk_checks.py', [group], { ...env, COMPAT_MODEL_FILE: path.join(work, 'add.onnx') });

function expectAllPassed(results: CheckResult[]) {
  const failed = results.filter((r) => !r.ok);
  expect(failed, failed.map((f) => `${f.check}: ${String(f.detail)}`).join('\n\n')).toEqual([]);
  expect(results.length).toBeGreaterThan(0);
}

describe('the blobhub SDK 0.3.0', () => {
  it('connects by BLOBHUB_API_URL/BLOBHUB_API_KEY and works with blobs, revisions, metadata, workflows and ONNX', async () => {
    expectAllPassed(await sdkChecks('env', byEnv));
  }, 300_000);

  it('connects by the profile file dev mode writes (HOME pointed at it)', async () => {
    const home = clientHomeOf(work);
    writeClientProfile(home, { name: 'local', key: p.adminKey, url: `${p.url}/v1` });
    expectAllPassed(await sdkChecks('profile', { PATH: byEnv.PATH, HOME: home }));
  }, 120_000);
});

/** A definition the CLI can run: `workflow execute` takes no inputs. */
const constantDefinition = () =>
  definition(
    [
      comp('s', 'flow.start'),
      comp('c', 'logic.code', { language: 'javascript', code: "set_data_output('result', create_value('integer', 55));" }),
      comp('e', 'flow.end'),
    ],
    [flow('s', 'c'), flow('c', 'e'), { id: 'd', source_id: 'c', target_id: 'e', source_port: 'result', target_port: 'result' }],
  );

/** Runs the real `blobhub` CLI with --json and returns its JSON result. */
async function cli(args: string[], env: Record<string, string> = byEnv): Promise<any> {
  return JSON.parse((await cliText(['--json', ...args], env)).trim().split('\n').pop()!);
}

/** Runs the real `blobhub` CLI as a user types it and returns what it prints. */
async function cliText(args: string[], env: Record<string, string> = byEnv): Promise<string> {
  try {
    return (await run(path.join(clients, 'blobhub'), args, { env, cwd: work, timeout: 120_000 })).stdout;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`blobhub ${args.join(' ')} failed: ${failed.stderr || failed.stdout || failed.message}`);
  }
}

describe('the blobhub CLI 0.6.0', () => {
  const workflowManifest = () => path.join(work, 'workflow.yaml');

  beforeAll(() => {
    writeFileSync(path.join(work, 'constant.json'), JSON.stringify(constantDefinition(), null, 2));
    writeFileSync(
      workflowManifest(),
      stringify({
        type: 'workflow_blob_deployment',
        version: '1.0',
        blob: `${ORG}/cli-flows`,
        revision: 'default',
        definitions: [{ alias: 'constant', source: 'constant.json' }],
      }),
    );
  });

  it('logs in to a profile and says who it is, by profile and by environment', async () => {
    const home = mkdtempSync(path.join(work, 'home-'));
    const login = await cli(['login', '--profile', 'local', '--api-url', `${p.url}/v1`, '--api-key-env', 'COMPAT_KEY', '--no-input'], {
      PATH: byEnv.PATH,
      HOME: home,
      COMPAT_KEY: p.adminKey,
    });
    expect(login).toMatchObject({ profile: 'local', user: { email: p.env.BLOBHUB_ADMIN_EMAIL } });
    expect(await cli(['whoami'], { PATH: byEnv.PATH, HOME: home })).toMatchObject({
      profile: 'local',
      scope: 'full',
      user: { email: p.env.BLOBHUB_ADMIN_EMAIL },
    });
    expect(await cli(['whoami'])).toMatchObject({ url: `${p.url}/v1`, scope: 'full' });
  });

  it('reads a key scoped to one blob as restricted', async () => {
    const blobId = (await p.admin.get(`/blobs/${ORG}/flows`)).body.blob.id;
    const key = (await p.admin.post(`/blobs/${blobId}/api_keys`, { role: 'read' })).body.api_key.secret;
    expect(await cli(['whoami'], { ...byEnv, BLOBHUB_API_KEY: key })).toMatchObject({ scope: 'restricted' });
  });

  it('shows a blob, its revisions and its limits', async () => {
    const shown = await cli(['blob', 'show', `${ORG}/flows`]);
    expect(shown.record).toMatchObject({ alias: 'flows', type: 'blobhub.compute.workflow' });
    expect(shown.default_revision).toMatchObject({ phase: 'draft', status: 'ready' });
    const revisions = await cli(['blob', 'revisions', `${ORG}/flows`]);
    expect(revisions.revisions).toEqual([expect.objectContaining({ default: true, phase: 'draft' })]);
    const limits = await cli(['blob', 'limits', `${ORG}/flows`]);
    expect(limits.groups.map((g: any) => g.id)).toContain('platform');
    // as a user types it (no --json), the CLI prints each group by label and each limit with its source
    const printed = await cliText(['blob', 'limits', `${ORG}/flows`]);
    expect(printed).toContain(`Limits for ${ORG}/flows`);
    expect(printed).toMatch(/^Platform \(platform\)$/m);
    expect(printed).toMatch(/^Workflow \(workflow\)$/m);
    expect(printed).toMatch(/platform\.json_body_bytes\s+default\s+1048576/);
    // the modules Python code may import, which the CLI's `workflow check` reads as its allowlist
    const imports = limits.groups.flatMap((g: any) => g.limits).find((l: any) => l.id === 'workflow.code_imports');
    expect(imports.value).toEqual(expect.arrayContaining(['json', 'datetime', 'math', 're']));
    expect(imports.value).not.toContain('os');
    // the CLI reads limits by ids too, e.g. while resolving a schedule's target
    const byIds = await p.admin.get(`/blobs/${shown.record.org_id}/${shown.record.id}/limits`);
    expect(byIds.status, JSON.stringify(byIds.body)).toBe(200);
  });

  it('pushes, pulls and deploys (with check_definition) a workflow manifest, then executes it to completion', async () => {
    expect(await cli(['workflow', 'push', '-f', workflowManifest()])).toMatchObject({ created: [{ alias: 'constant' }], uploaded: [{ alias: 'constant' }] });
    const pulled = await cli(['workflow', 'pull', '-f', workflowManifest()]);
    expect(JSON.stringify(pulled)).toContain('constant');
    const deployed = await cli(['workflow', 'deploy', '-f', workflowManifest()]);
    expect(deployed.created).toEqual([]);
    expect([...deployed.unchanged, ...deployed.checked.map((c: any) => c.alias)]).toContain('constant');
    const listed = await cli(['workflow', 'ls', '-f', workflowManifest()]);
    expect(JSON.stringify(listed)).toContain('constant');
    const executed = await cli(['workflow', 'execute', '-f', workflowManifest(), '--definition', 'constant', '--session', 'cli-runs', '--watch']);
    expect(executed).toMatchObject({ status: 'completed', session_created: true });
    const revisionId = (await p.admin.get(`/blobs/${ORG}/cli-flows/revisions/default`)).body.revision.id;
    const execution = await p.admin.post(`/revisions/${revisionId}/data/query`, { command: 'get_execution', execution_id: executed.execution_id });
    expect(execution.body.execution).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: { type: 'integer', integer: 55 } }] });
  });

  it('deploys a scheduler manifest: creates the schedule once, then finds it by alias', async () => {
    await cli(['workflow', 'push', '-f', workflowManifest()]);
    const manifest = path.join(work, 'scheduler.yaml');
    writeFileSync(
      manifest,
      stringify({
        type: 'scheduler_blob_deployment',
        version: '1.0',
        blob: `${ORG}/timers`,
        revision: 'default',
        schedules: [
          {
            alias: 'nightly-constant',
            repeat: 'recurring_cron',
            cron_expression: '0 3 * * ? *',
            timezone: 'Europe/Berlin',
            enabled: true,
            invocation_target_type: 'workflow',
            invocation_target: {
              target: { org: ORG, blob: 'cli-flows', revision: 'default', session: 'nightly-runs' },
              workflow: { definition: 'constant' },
              input_data: [],
            },
          },
        ],
      }),
    );
    expect(await cli(['scheduler', 'deploy', '-f', manifest])).toMatchObject({ created: ['nightly-constant'] });
    // the schedule reads back its target as the manifest wrote it, so a second deploy changes nothing
    expect(await cli(['scheduler', 'deploy', '-f', manifest])).toMatchObject({ created: [], updated: [], unchanged: ['nightly-constant'] });
    const listed = await cli(['scheduler', 'ls', '-f', manifest]);
    expect(JSON.stringify(listed)).toContain('nightly-constant');
  });
});

describe('the blobhub-worker 0.11.0', () => {
  it('attaches to a session by alias, runs its agent on a thread (attachment in, replies, a question answered, published files out) and detaches', async () => {
    await blob('agents', 'blobhub.compute.workflow');
    const agentsRevision = (await p.admin.get(`/blobs/${ORG}/agents/revisions/default`)).body.revision.id;
    expect((await p.admin.post(`/revisions/${agentsRevision}/data/command`, { command: 'create_session', alias: 'agent-runs' })).status).toBe(200);
    // the person on the other side of the thread: another member of the organization, with a key of their own
    const person = await newUser(p, await signInAdmin(p), 'person');
    expect((await p.admin.post(`/orgs/${ORG}/members`, { user_id: person.id, role: 'write' })).status).toBe(200);
    const personKey = (await person.client.post(`/users/${person.id}/api_keys`, { role: 'write' })).body.api_key.secret;
    const results = await pythonChecks('worker_checks.py', [], {
      ...byEnv,
      HOME: mkdtempSync(path.join(work, 'worker-home-')),
      COMPAT_HUMAN_KEY: personKey,
      COMPAT_AGENT_BLOB: 'agents',
      COMPAT_SESSION: 'agent-runs',
    });
    expectAllPassed(results);
    expect(results.length).toBe(9);
  }, 300_000);
});
