/**
 * The versioning safety net: every history of the recorded corpus (test/replay/histories, made by
 * `npm run replay:record` from real runs) replays against the workflow bundle the worker runs. A
 * change to workflow code that would strand executions in flight fails here, before a deploy.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { beforeAll, expect, it } from 'vitest';
import { workflowsPath } from '../../apps/worker/worker';

const here = path.dirname(fileURLToPath(import.meta.url));
const historiesDir = path.join(here, 'histories');
const fixture = (name: string) => path.join(here, 'next-interpreter', `${name}.ts`);

interface RecordedHistory {
  file: string;
  workflowId: string;
  history: unknown;
}

/** Every recording (one folder each, oldest first), every history in it; `file` is `<recording>/<scenario>.json`. */
function corpus(): RecordedHistory[] {
  return readdirSync(historiesDir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((file) => ({ file, ...(JSON.parse(readFileSync(path.join(historiesDir, file), 'utf8')) as Omit<RecordedHistory, 'file'>) }));
}

/** Replays histories against a workflow bundle; returns the files that failed, with why. */
async function replayFailures(bundle: string, histories: RecordedHistory[]): Promise<string[]> {
  const failures: string[] = [];
  const results = Worker.runReplayHistories(
    { workflowsPath: bundle },
    histories.map((h) => ({ workflowId: h.workflowId, history: h.history as never })),
  );
  let i = 0;
  for await (const result of results) {
    if (result.error) failures.push(`${histories[i]?.file}: ${result.error.name}: ${result.error.message}`);
    i++;
  }
  return failures;
}

// the replay workers log every bundle and state change at INFO
beforeAll(() => Runtime.install({ logger: new DefaultLogger('WARN') }));

const advice =
  'The workflow code no longer replays these recorded histories: a worker running it would get stuck on executions ' +
  'already in flight (nondeterminism). Keep the old behaviour for old histories: put the change behind ' +
  "patched('<change-id>') from @temporalio/workflow (see docs/versioning.md). If the change is intended to drop " +
  'support for old histories, wait until none runs, then re-record the corpus with `npm run replay:record`.';

it('replays every recorded history (every component type, waits, signals, subworkflows, loops, failures, cancellation, schedule fires, ONNX processing, executions in flight)', async () => {
  const histories = corpus();
  expect(histories.length).toBeGreaterThanOrEqual(18);
  const failures = await replayFailures(workflowsPath, histories);
  expect(failures, `${advice}\n${failures.join('\n')}`).toEqual([]);
}, 180_000);

it('catches a change made without patched(), and passes the same change made with it', async () => {
  const inFlight = corpus().filter((h) => ['mid-wait.json', 'mid-sleep.json', 'fibonacci.json'].includes(path.basename(h.file)));
  const unpatched = await replayFailures(fixture('unpatched'), inFlight);
  expect(unpatched).toHaveLength(inFlight.length);
  expect(inFlight.length).toBeGreaterThanOrEqual(3);
  expect(unpatched[0]).toContain(DeterminismViolationError.name);
  expect(await replayFailures(fixture('patched'), inFlight)).toEqual([]);
}, 180_000);
