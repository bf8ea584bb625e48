/**
 * The hand-written Temporal baselines: the same work as plain activities, no BlobHub in between,
 * with the same kind of activity BlobHub runs the component as (local or regular).
 */
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { baselineActivities } from './activities';

export type ActivityKind = 'local' | 'regular';

const options = { startToCloseTimeout: '5 minutes' };
const kinds = {
  local: proxyLocalActivities<typeof baselineActivities>(options),
  regular: proxyActivities<typeof baselineActivities>(options),
};

export async function baselineChain(count: number, n: number, kind: ActivityKind = 'regular'): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) last = await kinds[kind].fibonacci(n);
  return last;
}

/** A trivial execution: one activity returning a constant. */
export async function baselineTrivial(kind: ActivityKind): Promise<number> {
  return kinds[kind].constant();
}
