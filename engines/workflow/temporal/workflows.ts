/**
 * The interpreter workflow: one per BlobHub execution (workflow id = execution id). It walks the
 * compiled plan deterministically: components run as activities named by their type, parallel
 * routes run concurrently, flow.delay / flow.wait / flow.subworkflow use Temporal timers, signals
 * and child workflows. Large values travel as references; events are recorded by activities.
 */
import { ApplicationFailure, CancellationScope, condition, isCancellation, setHandler } from '@temporalio/workflow';
import type { ExecutionArgs, ExecutionOutcome } from '../plan';
import { control } from './activity-stubs';
import { ComponentFailed, ExecutionTimedOut } from './failures';
import { Interpreter } from './interpreter';
import { consumableSignalNames, executionSignal, executionSignalUpdate, requireConsumable, type ExecutionSignal } from './signals';

export async function blobhubExecution(execution: ExecutionArgs): Promise<ExecutionOutcome> {
  const signals: ExecutionSignal[] = [];
  // the names the plan's flow.wait components consume, known once the plan is loaded
  let consumable: Set<string> | undefined;
  setHandler(executionSignal, (signal) => void signals.push(signal));
  setHandler(
    executionSignalUpdate,
    async (signal) => {
      // an update that came before the plan was loaded is judged as soon as it is
      await condition(() => consumable !== undefined);
      requireConsumable(consumable!, signal);
      signals.push(signal);
    },
    { validator: (signal) => consumable && requireConsumable(consumable, signal) },
  );
  try {
    const { plan, inputs } = await control['workflow.load'](execution);
    consumable = consumableSignalNames(plan);
    const outputData = await new Interpreter(execution, plan, inputs, signals).run();
    const outcome: ExecutionOutcome = { status: 'succeeded', outputData };
    await control['workflow.finish'](execution, outcome);
    return outcome;
  } catch (err) {
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => control['workflow.finish'](execution, { status: 'cancelled' }));
      throw err;
    }
    const timedOut = err instanceof ExecutionTimedOut;
    const error = err instanceof ComponentFailed ? err.error : { message: (err as Error).message, kind: timedOut ? 'timeout' : 'internal' };
    await control['workflow.finish'](execution, { status: timedOut ? 'timed_out' : 'failed', error });
    throw ApplicationFailure.nonRetryable(error.message, timedOut ? 'ExecutionTimedOut' : 'ExecutionFailed', error);
  }
}
