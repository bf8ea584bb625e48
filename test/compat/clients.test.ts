/**
 * The published BlobHub clients, unchanged from PyPI, against a running BlobHub: the `blobhub`
 * SDK (driven by test/compat/sdk_checks.py) and the `blobhub` CLI of `blobhub-cli`. They are
 * installed by `scripts/install-services.sh python-clients` into .tools/python-clients.
 * Nothing here fakes a client: each check is the client's own code talking HTTP to the server.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../apps/dev/processes';
import { clientHomeOf, writeClientProfile } from '../../core/client-profile';
import { addModel } from '../../engines/onnx/test-models';
import { comp, definition, fibonacciDefinition, flow } from '../../engines/workflow/builders';
import { upload } from '../../engines/workflow/testing';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const run = promisify(execFile);
const clients = path.join(repoRoot, '.tools', 'python-clients', 'bin');
const ORG = 'compat';

let p: TestPlatform;
let work: string;
/** The environment the clients see: the platform's URL (with /v1) and the bootstrap admin key. */
let byEnv: Record<string, string>;

/** A blob of a type and its first draft revision id. */
async function blob(name: string, type: string) {
  const res = await p.admin.post(`/orgs/${ORG}/blobs`, { name, type });
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
  await upload(p.admin, flows, 'slow', definition([comp('s', 'flow.start'), comp('w', 'flow.delay', { seconds: 600 }), comp('e', 'flow.end')], [flow('s', 'w'), flow('w', 'e')]));
  await blob('drafts', 'workflow');
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

/** Runs one group of sdk_checks.py and returns its results, one per check. */
async function sdkChecks(group: string, env: Record<string, string>): Promise<CheckResult[]> {
  const script = path.join(repoRoot, 'test', 'compat', 'sdk_checks.py');
  const { stdout } = await run(path.join(clients, 'python'), [script, group], {
    env: { ...env, COMPAT_ORG: ORG, COMPAT_MODEL_FILE: path.join(work, 'add.onnx') },
    timeout: 300_000,
  });
  return stdout.trim().split('\n').map((line) => JSON.parse(line) as CheckResult);
}

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

