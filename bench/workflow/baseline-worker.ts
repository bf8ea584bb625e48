/**
 * The baseline's Temporal worker as its own process, as BlobHub's worker runs in its own: started
 * by run.ts with the address, namespace and task queue as arguments; it says `{ready}` over IPC
 * and stops on `{stop}`.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker } from '@temporalio/worker';
import { baselineActivities } from './activities';

const [address, namespace, taskQueue] = process.argv.slice(2);
if (!address || !namespace || !taskQueue) throw new Error('usage: baseline-worker.ts <address> <namespace> <task queue>');
const connection = await NativeConnection.connect({ address });
const worker = await Worker.create({
  connection,
  namespace,
  taskQueue,
  workflowsPath: path.join(path.dirname(fileURLToPath(import.meta.url)), 'baseline.ts'),
  activities: baselineActivities,
});
const running = worker.run();
process.on('message', (message: { stop?: true }) => message.stop && worker.shutdown());
process.send!({ ready: true });
await running;
await connection.close();
process.exit(0);
