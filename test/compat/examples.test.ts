/**
 * The examples in docs/examples run as a user types them (node, two environment variables)
 * against a real platform, and print the answers the docs promise.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform';

const EXAMPLES = path.resolve(import.meta.dirname, '../../docs/examples');
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.close();
});

async function runExample(file: string, ...args: string[]): Promise<string> {
  const env = { ...process.env, BLOBHUB_API_URL: `${p.url}/v1`, BLOBHUB_API_KEY: p.adminKey };
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(EXAMPLES, file), ...args], { env });
  return stdout;
}

describe('docs/examples', () => {
  it('run-fibonacci.mjs computes fibonacci(n) over REST and prints its events and Temporal UI link', async () => {
    const out = await runExample('run-fibonacci.mjs', '20');
    expect(out).toMatch(/execution \S+: completed/);
    expect(out).toContain('fibonacci(20) = 6765');
    expect(out).toMatch(/events: .*execution_ended/);
    expect(out).toMatch(/Temporal UI: http/);
  });

  it('webhook-fibonacci.mjs gets the ended execution back from one signed POST', async () => {
    const out = await runExample('webhook-fibonacci.mjs', '12');
    expect(out).toMatch(/^200: execution \S+ completed, trigger_id \S+$/m);
    expect(out).toContain('fibonacci(12) = 144');
  });
});
