/** flow.subworkflow calling another workflow blob's committed revision, under its starter's access, through REST. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newUser, signInAdmin, type TestUser } from '../../test/support/people';
import { startTestPlatform, type TestPlatform } from '../../test/support/platform';
import { comp, data, definition, ENGINE, fibonacciDefinition, flow, integer, newWorkflowBlob, run, upload } from '../../test/support/workflow';

let p: TestPlatform;
let stranger: TestUser;
let libRev: string;
let libDraft: string;

/** n → the subworkflow's fibonacci(n) → result */
const caller = (config: Record<string, unknown>, withFailureRoute = false) =>
  definition(
    [comp('s', 'flow.start'), comp('sub', 'flow.subworkflow', config), comp('e', 'flow.end'), ...(withFailureRoute ? [comp('oops', 'flow.end')] : [])],
    [
      flow('s', 'sub'),
      flow('sub', 'e'),
      data('s', 'n', 'sub'),
      data('sub', 'result', 'e'),
      ...(withFailureRoute ? [flow('sub', 'oops', 'failure'), data('sub', 'error', 'oops')] : []),
    ],
  );
const n = (value: number) => [{ alias: 'n', value: integer(value) }];

beforeAll(async () => {
  p = await startTestPlatform();
  // the library: fibonacci committed in revision 1, then a draft
  const lib = await newWorkflowBlob(p.admin, 'library', 'math');
  libRev = lib.revisionId;
  const libBlob = lib.blobId;
  await upload(p.admin, libRev, 'fib', fibonacciDefinition());
  expect((await p.admin.post(`/revisions/${libRev}/commit`)).status).toBe(200);
  const draft = await p.admin.post(`/blobs/${libBlob}/revisions`, {});
  expect(draft.status, JSON.stringify(draft.body)).toBe(200);
  libDraft = draft.body.revision.id;
  stranger = await newUser(p, await signInAdmin(p), 'stranger');
}, 120_000);
afterAll(() => p?.close());

describe('flow.subworkflow of another blob', () => {
  it("runs the blob's default revision as a child, its inputs and outputs passing through", async () => {
    const { revisionId } = await newWorkflowBlob(p.admin, 'callers');
    await upload(p.admin, revisionId, 'main', caller({ blob: 'library/math', alias: 'fib' }));
    const parent = await run(p.admin, revisionId, 'main', n(10));
    expect(parent).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(55) }] });

    // the child ran in the library's revision, linked to its parent
    const children = await p.admin.data(libRev, ENGINE, 'list_executions', {});
    expect(children.body.executions).toEqual([
      expect.objectContaining({ parent_execution_id: parent.id, alias: 'fib', status: 'completed', revision_id: libRev }),
    ]);
  }, 60_000);

  it('runs a committed revision named by id, and refuses a draft', async () => {
    const { revisionId } = await newWorkflowBlob(p.admin, 'pinned');
    await upload(p.admin, revisionId, 'main', caller({ blob: 'library/math', revision: libRev, alias: 'fib' }));
    await upload(p.admin, revisionId, 'draft', caller({ blob: 'library/math', revision: libDraft, alias: 'fib' }));
    expect(await run(p.admin, revisionId, 'main', n(7))).toMatchObject({ status: 'completed', output_data: [{ alias: 'result', value: integer(13) }] });
    const refused = await run(p.admin, revisionId, 'draft', n(7));
    expect(refused).toMatchObject({ status: 'failed', error: { kind: 'conflict' } });
    expect(refused.error.message).toMatch(/is a draft/);
  }, 60_000);

  it("does not find a blob its starter cannot see: the component's failure route takes it", async () => {
    const { revisionId } = await newWorkflowBlob(stranger.client, 'strangers');
    await upload(stranger.client, revisionId, 'main', caller({ blob: 'library/math', alias: 'fib' }, true));
    const execution = await run(stranger.client, revisionId, 'main', n(5));
    expect(execution).toMatchObject({ status: 'completed', output_data: [{ alias: 'error', value: { type: 'text', text: 'blob not found' } }] });
    // nothing ran in the library
    expect((await p.admin.data(libRev, ENGINE, 'list_executions', {})).body.executions).toHaveLength(2);
  }, 60_000);
});
