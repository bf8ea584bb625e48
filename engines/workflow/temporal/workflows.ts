/**
 * The interpreter workflow: one per BlobHub execution (workflow id = execution id). It walks the
 * compiled plan deterministically: components run as activities named by their type, parallel
 * routes run concurrently, flow.delay / flow.wait / flow.subworkflow use Temporal timers, signals
 * and child workflows. Large values travel as references; events are recorded by activities.
 * A long execution is a chain of runs: at a quiet point a run continues as new, handing its walk on.
 */
import {
  allHandlersFinished,
  ApplicationFailure,
  CancellationScope,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
} from '@temporalio/workflow';
import type { ExecutionArgs, ExecutionOutcome } from '../plan';
import { control } from './activity-stubs';
import { LEAN_EXECUTION_PATCH, LONG_RUN_PATCH, type CarriedState, type CarriedWalk } from './carry-over';
import { ComponentFailed, ExecutionTimedOut } from './failures';
import { Interpreter } from './interpreter';
import { admissionSignal, consumableSignalNames, executionSignal, executionSignalUpdate, requireConsumable, type ExecutionSignal } from './signals';

/** Executions created waiting for their blob's execution limits wait to be admitted before they load (histories before it never wait). */
const EXECUTION_LIMITS_PATCH = 'blobhub-execution-limits';

// the engine's other workflow: one short run per thread item, signalling the executions waiting on it
export { threadItemDelivery } from './thread-delivery';
// and one short run per emitted event, signalling the flow.wait_for_event visits waiting on its key
export { eventDelivery } from './event-delivery';

export async function blobhubExecution(execution: ExecutionArgs, carried?: CarriedState): Promise<ExecutionOutcome> {
  const signals: ExecutionSignal[] = [...(carried?.signals ?? [])];
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
    { validator: (signal: ExecutionSignal) => consumable && requireConsumable(consumable, signal) },
  );
  let next: CarriedState;
  try {
    // a rerun's first run is carried too, and waits like any new execution; a continued run was admitted (continueAsNew drops the flag)
    if (execution.awaitsAdmission && patched(EXECUTION_LIMITS_PATCH)) await awaitAdmission(execution);
    const longRun = patched(LONG_RUN_PATCH);
    const lean = patched(LEAN_EXECUTION_PATCH);
    // only a run that continues another has `carried`: it starts from its plan, the start is done
    const { plan, inputs, limits } = carried
      ? { ...(await control['workflow.resume'](execution)), inputs: {} }
      : await (lean ? control['workflow.load'](execution, { startComponent: true }) : control['workflow.load'](execution));
    consumable = consumableSignalNames(plan);
    const walked = await new Interpreter(execution, plan, inputs, signals, blobhubExecution, longRun ? { limits, carried } : undefined, lean).run();
    if ('carry' in walked) {
      next = await handOver(execution, walked.carry, signals);
    } else {
      const outcome: ExecutionOutcome = { status: 'succeeded', outputData: walked.outputData };
      const recorded = await (walked.closing ? control['workflow.finish'](execution, outcome, walked.closing) : control['workflow.finish'](execution, outcome));
      return longRun ? closeAs(recorded) : outcome;
    }
  } catch (err) {
    if (err instanceof RecordedFailure) throw err.failure;
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => control['workflow.finish'](execution, { status: 'cancelled' }));
      throw err;
    }
    const timedOut = err instanceof ExecutionTimedOut;
    const error = err instanceof ComponentFailed ? err.error : { message: (err as Error).message, kind: timedOut ? 'timeout' : 'internal' };
    await control['workflow.finish'](execution, { status: timedOut ? 'timed_out' : 'failed', error });
    throw ApplicationFailure.nonRetryable(error.message, timedOut ? 'ExecutionTimedOut' : 'ExecutionFailed', error);
  }
  const { awaitsAdmission: _admitted, ...admitted } = execution;
  return continueAsNew<typeof blobhubExecution>(admitted, next);
}

/**
 * Waits `queued` until the blob's execution limits admit the execution: it asks when created, when
 * an execution of the blob ends (a signal), when its rate window opens, and every few minutes.
 */
async function awaitAdmission(execution: ExecutionArgs) {
  let wakeUps = 0;
  setHandler(admissionSignal, () => void wakeUps++);
  for (;;) {
    const seen = wakeUps;
    const { admitted, retryAfterMs } = await control['workflow.admit'](execution);
    if (admitted) return;
    await condition(() => wakeUps > seen, retryAfterMs ?? '5 minutes');
  }
}

/** A failure BlobHub has already recorded: the workflow ends with it as is. */
class RecordedFailure extends Error {
  constructor(readonly failure: ApplicationFailure) {
    super(failure.message);
  }
}

/**
 * Temporal's result is what BlobHub recorded: outputs inline within the row's budget, the rest by
 * reference (one small message, however much flow.end gathered), or the failure to store them.
 */
function closeAs(recorded: ExecutionOutcome): ExecutionOutcome {
  if (recorded.status === 'succeeded') return recorded;
  const error = recorded.error ?? { message: `the execution ended ${recorded.status}` };
  throw new RecordedFailure(ApplicationFailure.nonRetryable(error.message, 'ExecutionFailed', error));
}

/**
 * The state the next run starts from: values small enough for its first message, and every
 * signal received so far (handlers finished first, so none arrives half-handled and is lost).
 */
async function handOver(execution: ExecutionArgs, walk: CarriedWalk, signals: ExecutionSignal[]): Promise<CarriedState> {
  const values = await control['workflow.carry_values'](execution, { values: walk.values, visits: walk.visits });
  await condition(allHandlersFinished);
  return { ...walk, values, signals: [...signals] };
}
