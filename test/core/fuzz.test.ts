/**
 * schemathesis (from PyPI, pinned in scripts/install-services.sh) fuzzes the REST API from its own
 * OpenAPI document, against a real platform: examples, coverage, fuzzing and the stateful phase
 * (the document's links), every check, twice: as the instance admin (API key and bearer token,
 * seed 1) and with a personal read-only key (seed 2), whose every write must be a documented 403.
 * Bounded in time with fixed seeds, so a run is reproducible; any failure (a 500, a body or status
 * the document does not declare, a schema-valid request refused, auth that differs from the
 * declared security) fails the test with schemathesis' own report of it. Before a release, run it
 * for 30 minutes a role: `BLOBHUB_FUZZ_SECONDS=1800 npx vitest run test/core/fuzz.test.ts`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { signInAdmin } from '../support/people';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, '../..');
const schemathesis = path.join(root, '.tools/schemathesis/bin/schemathesis');
const FUZZ_SECONDS = Number(process.env.BLOBHUB_FUZZ_SECONDS ?? 90);

let p: TestPlatform;
let adminToken: string;
let readOnlyKey: string;
let workDir: string;
beforeAll(async () => {
  await run('bash', [path.join(root, 'scripts/install-services.sh'), 'schemathesis']);
  p = await startTestPlatform({ worker: false });
  const admin = await signInAdmin(p);
  adminToken = admin.client.auth.token!;
  readOnlyKey = (await admin.client.post('/users/me/api_keys', { role: 'read', description: 'fuzz: read only' })).body.api_key.secret;
  workDir = mkdtempSync(path.join(os.tmpdir(), 'schemathesis-'));
}, 600_000);
afterAll(async () => {
  await p?.close();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

const roles = [
  // Both credentials, both valid (an invalid one in either header is a 401): the key speaks.
  { role: 'the instance admin', seed: 1, config: 'schemathesis.toml', headers: () => [`X-API-Key: ${p.adminKey}`, `Authorization: Bearer ${adminToken}`] },
  {
    role: 'a personal read-only key',
    seed: 2,
    config: 'schemathesis-read-only.toml',
    headers: () => [`X-API-Key: ${readOnlyKey}`, `Authorization: Bearer ${readOnlyKey}`],
  },
];

it.each(roles)(
  'survives schemathesis as $role (seed $seed): no server error, no undocumented status or body, no valid request refused',
  async ({ role, seed, config, headers }) => {
    const args = [
      '--config-file',
      path.join(root, 'test/core', config),
      'run',
      `${p.url}/v1/openapi.json`,
      ...headers().flatMap((h) => ['-H', h]),
      '--checks',
      'all',
      '--phases',
      'examples,coverage,fuzzing,stateful',
      '--max-time',
      String(FUZZ_SECONDS),
      '--seed',
      String(seed),
      '-w',
      '2',
      '--no-color',
    ];
    const result = await run(schemathesis, args, { cwd: workDir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, NO_COLOR: '1' } }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code?: number; stdout?: string }) => ({ code: error.code ?? -1, stdout: error.stdout ?? String(error) }),
    );
    // The whole report stays readable after the run; the assertion message carries its end.
    const report = path.join(os.tmpdir(), `blobhub-schemathesis-seed${seed}.log`);
    writeFileSync(report, result.stdout);
    const summary = result.stdout.slice(result.stdout.lastIndexOf('SUMMARY'));
    console.log(`[fuzz] ${role}: ${summary.match(/\d+ generated[^\n]*/)?.[0] ?? 'no test case count'}`);
    expect(result.code, `${result.stdout.slice(-8_000)}\n(the whole report: ${report})`).toBe(0);
    // Every generated case passed every check, and schemathesis itself met no error.
    const [, generated, passed] = summary.match(/(\d+) generated, (\d+) passed/) ?? [];
    expect(Number(generated)).toBeGreaterThan(0);
    expect(passed).toBe(generated);
    expect(summary).not.toMatch(/Failures:|Errors:/);
  },
  (FUZZ_SECONDS + 240) * 1000,
);
