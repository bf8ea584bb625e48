/**
 * Where data.transform evaluates JSONata: one worker thread per process, one evaluation at a time,
 * so that an expression never holds the worker's own event loop (JSONata's async evaluation never
 * yields to I/O while it spins, and a catastrophic regular expression never yields at all). JSONata's
 * guardrails end most runaways at the time limit; past it (plus a grace) the thread is terminated
 * and the next evaluation gets a fresh one, and its memory is capped.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

const THREAD_MEMORY_MB = 256;
/** how long past its time limit an evaluation may take before its thread is terminated */
const GRACE_MS = 250;

export interface Evaluation {
  expression: string;
  input: unknown;
  bindings: Record<string, unknown>;
  options: { timeout: number; stack: number; sequence: number };
}

export type EvaluationOutcome = { ok: true; result: unknown } | { ok: false; error: { message: string; code?: string; position?: number } };

/** The thread's program (plain JavaScript, so it runs from the sources and from the bundle alike). */
const threadCode = `
const { parentPort, workerData } = require('node:worker_threads');
const jsonata = require(workerData.jsonataPath);
parentPort.on('message', ({ expression, input, bindings, options }) => {
  let evaluated;
  try {
    evaluated = jsonata(expression, options).evaluate(input, bindings);
  } catch (e) {
    evaluated = Promise.reject(e);
  }
  evaluated.then(
    (result) => parentPort.postMessage({ ok: true, result: JSON.parse(JSON.stringify(result === undefined ? null : result)) }),
    (e) => parentPort.postMessage({ ok: false, error: { message: String(e.message), code: e.code, position: e.position } }),
  );
});`;

const jsonataPath = createRequire(import.meta.url).resolve('jsonata');

class JsonataThread {
  private worker: Worker | null = null;
  /** evaluations run one after another: the tail of that chain */
  private queue: Promise<unknown> = Promise.resolve();

  evaluate(job: Evaluation, signal: AbortSignal): Promise<EvaluationOutcome> {
    const turn = this.queue.then(() => this.runAlone(job, signal));
    this.queue = turn.catch(() => {});
    return turn;
  }

  private spawn(): Worker {
    const worker = new Worker(threadCode, { eval: true, workerData: { jsonataPath }, resourceLimits: { maxOldGenerationSizeMb: THREAD_MEMORY_MB } });
    // an idle thread does not keep the process alive
    worker.unref();
    return worker;
  }

  private discard(worker: Worker) {
    if (this.worker === worker) this.worker = null;
    void worker.terminate();
  }

  private runAlone(job: Evaluation, signal: AbortSignal): Promise<EvaluationOutcome> {
    signal.throwIfAborted();
    const worker = (this.worker ??= this.spawn());
    return new Promise<EvaluationOutcome>((resolve, reject) => {
      const settle = (outcome: EvaluationOutcome | Error, kill: boolean) => {
        clearTimeout(timer);
        worker.off('message', onMessage).off('error', onError);
        signal.removeEventListener('abort', onAbort);
        if (kill) this.discard(worker);
        if (outcome instanceof Error) reject(outcome);
        else resolve(outcome);
      };
      const onMessage = (outcome: EvaluationOutcome) => settle(outcome, false);
      const onError = (e: Error & { code?: string }) => {
        const memory = e.code === 'ERR_WORKER_OUT_OF_MEMORY';
        settle({ ok: false, error: { message: memory ? `the evaluation used more than ${THREAD_MEMORY_MB} MiB` : e.message, code: e.code } }, true);
      };
      const onAbort = () => settle(signal.reason instanceof Error ? signal.reason : new Error('aborted'), true);
      const timer = setTimeout(
        () => settle({ ok: false, error: { message: `Evaluation timeout after ${job.options.timeout} milliseconds`, code: 'D1012' } }, true),
        job.options.timeout + GRACE_MS,
      );
      worker.on('message', onMessage).on('error', onError);
      signal.addEventListener('abort', onAbort);
      worker.postMessage(job);
    });
  }
}

const thread = new JsonataThread();

/** Evaluates in the process's JSONata thread; rejects only when `signal` aborts. */
export const evaluateJsonata = (job: Evaluation, signal: AbortSignal) => thread.evaluate(job, signal);
