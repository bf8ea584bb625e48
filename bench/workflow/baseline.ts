/** The hand-written Temporal baseline: the same chain as plain activities, no BlobHub in between. */
import { proxyActivities } from '@temporalio/workflow';
import type { baselineActivities } from './activities';

const { fibonacci } = proxyActivities<typeof baselineActivities>({ startToCloseTimeout: '5 minutes' });

export async function baselineChain(count: number, n: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) last = await fibonacci(n);
  return last;
}
