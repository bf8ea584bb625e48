/**
 * Issue 26, item 9: the operator's bound on sandbox memory (BLOBHUB_SANDBOX_MAX_MEMORY_MB). A
 * definition asking for more is refused when uploaded or validated, naming the bound; code that
 * asks for nothing runs with the sandbox's default, never above the bound; the bound itself is
 * checked at start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config';
import { errorCode } from '../../test/support/client';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, ENGINE, flow, newWorkflowBlob, run, upload } from '../../test/support/workflow';

let p: TestPlatform;
let rev: string;

beforeAll(async () => {
  // below the sandbox's default of 64 MiB, so that a component without memory_mb meets it too
  p = await startTestPlatform({ env: { BLOBHUB_SANDBOX_MAX_MEMORY_MB: '16' } });
  rev = (await newWorkflowBlob(p.admin, 'memory-bound')).revisionId;
});
afterAll(() => p?.close());

const codeDefinition = (code: string, memoryMb?: number) =>
  definition(
    [comp('s', 'flow.start'), comp('c', 'logic.code', { code, ...(memoryMb ? { memory_mb: memoryMb } : {}) }), comp('e', 'flow.end')],
    [flow('s', 'c'), flow('c', 'e'), data('c', 'n', 'e')],
  );

const allocate = (mib: number) => `const a = new Uint8Array(${mib} * 1024 * 1024); set_data_output('n', create_value('integer', a.length))`;

describe('the sandbox memory bound', () => {
  it('refuses a definition whose logic.code asks for more memory than the bound, naming it', async () => {
    const greedy = codeDefinition(allocate(1), 32);
    const validated = await p.admin.data(rev, ENGINE, 'validate_definition', { definition: greedy });
    expect(validated.body).toMatchObject({
      valid: false,
      errors: [{ component_id: 'c', message: "logic.code c: memory_mb 32 is above this instance's bound of 16 (BLOBHUB_SANDBOX_MAX_MEMORY_MB)" }],
    });
    const uploaded = await p.admin.data(rev, ENGINE, 'upload_definition', { alias: 'greedy', definition: greedy });
    expect(uploaded.status).toBe(400);
    expect(errorCode(uploaded)).toBe('invalid_definition');
    expect(JSON.stringify(uploaded.body)).toContain('BLOBHUB_SANDBOX_MAX_MEMORY_MB');
    // at the bound is fine
    expect((await p.admin.data(rev, ENGINE, 'validate_definition', { definition: codeDefinition(allocate(1), 16) })).body.valid).toBe(true);
  });

  it('runs code that asks for nothing within the bound, not the larger default', async () => {
    await upload(p.admin, rev, 'small', codeDefinition(allocate(4)));
    expect((await run(p.admin, rev, 'small')).status).toBe('completed');
    // 32 MiB fits the default of 64 MiB, not the bound of 16
    await upload(p.admin, rev, 'big', codeDefinition(allocate(32)));
    const execution = await run(p.admin, rev, 'big');
    expect(execution).toMatchObject({
      status: 'failed',
      error: { component_id: 'c', kind: 'memory' },
    });
  });

  it('stops start-up on a bound outside 8–1024 MiB, naming the variable', () => {
    expect(() => loadConfig({ BLOBHUB_SANDBOX_MAX_MEMORY_MB: '2048' })).toThrow(/BLOBHUB_SANDBOX_MAX_MEMORY_MB/);
    expect(() => loadConfig({ BLOBHUB_SANDBOX_MAX_MEMORY_MB: 'lots' })).toThrow(/BLOBHUB_SANDBOX_MAX_MEMORY_MB/);
  });
});
