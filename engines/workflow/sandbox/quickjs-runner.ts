/**
 * Runs one piece of user code in a fresh QuickJS runtime + context (never reused), with a memory
 * limit, a stack limit and a deadline. Only strings cross the boundary: the state goes in as one
 * JSON string and the results come out as JSON strings produced inside the sandbox.
 */
import type { QuickJSContext, QuickJSHandle, QuickJSRuntime, QuickJSWASMModule } from 'quickjs-emscripten';
import { shouldInterruptAfterDeadline } from 'quickjs-emscripten';
import { PRELUDE_SOURCE } from './prelude';
import type { SandboxOutcome, SandboxRequest, UserCodeErrorKind } from './protocol';

/**
 * QuickJS checks its own stack against this limit; the sandbox thread gets a native stack many
 * times larger, so deep recursion in native code (JSON.stringify, the parser) hits this first.
 */
export const QUICKJS_STACK_BYTES = 1024 * 1024;
const LOG_LIMITS = { lines: 200, lineChars: 4096 };
/** Extra room and time granted to read the logs back after the user code failed. */
const COLLECT_SLACK_BYTES = 4 * 1024 * 1024;
const COLLECT_SLACK_MS = 200;
const FILENAME = 'code.js';
const USER_FRAME = /code\.js:(\d+)/;

type Failure = Extract<SandboxOutcome, { ok: false }>;

export function runInQuickJS(quickjs: QuickJSWASMModule, request: SandboxRequest): SandboxOutcome {
  const runtime = quickjs.newRuntime();
  try {
    runtime.setMemoryLimit(request.memoryBytes);
    runtime.setMaxStackSize(QUICKJS_STACK_BYTES);
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + request.timeoutMs));
    const context = runtime.newContext();
    try {
      return request.checkOnly ? checkSyntax(context, request.code) : runInContext(runtime, context, request);
    } finally {
      context.dispose();
    }
  } finally {
    runtime.dispose();
  }
}

function runInContext(runtime: QuickJSRuntime, context: QuickJSContext, request: SandboxRequest): SandboxOutcome {
  const handles: QuickJSHandle[] = [];
  const keep = (h: QuickJSHandle) => (handles.push(h), h);
  try {
    // The prelude and the state it parses count against the memory limit too (huge inputs fail here).
    const prelude = evaluate(context, PRELUDE_SOURCE, 'prelude.js');
    if (!prelude.ok) return { ...prelude.failure, logs: [] };
    const state = keep(
      context.newString(
        JSON.stringify({ inputs: request.inputs, sessionObjects: request.sessionObjects, metadata: request.metadata ?? {}, logLimits: LOG_LIMITS }),
      ),
    );
    const installed = context.callFunction(keep(prelude.handle), context.undefined, state);
    if (installed.error) return { ...classify(context, keep(installed.error)), logs: [] };
    const api = keep(installed.value);
    const collectLogs = () => readLogs(runtime, context, keep(context.getProp(api, 'collectLogs')), request);

    const compiled = evaluate(context, userFunction(request.code), FILENAME);
    if (!compiled.ok) return { ...compiled.failure, logs: [] };
    const started = context.callFunction(keep(context.getProp(api, 'run')), context.undefined, keep(compiled.handle));
    if (started.error) return { ...classify(context, keep(started.error)), logs: collectLogs() };
    const promise = keep(started.value);

    const jobs = runtime.executePendingJobs();
    if (jobs.error) return { ...classify(context, keep(jobs.error)), logs: collectLogs() };
    const settled = context.getPromiseState(promise);
    if (settled.type === 'rejected') return { ...classify(context, keep(settled.error)), logs: collectLogs() };
    if (settled.type === 'pending') {
      return { ok: false, kind: 'exception', message: 'the code awaits a promise that never settles (the sandbox has no timers or I/O)', logs: collectLogs() };
    }
    if (settled.value !== promise) keep(settled.value);
    const collected = callForString(context, keep(context.getProp(api, 'collect')));
    if (!collected.ok) return { ...collected.failure, logs: collectLogs() };
    return { ok: true, resultJson: collected.text };
  } finally {
    for (const h of handles.reverse()) if (h.alive) h.dispose();
  }
}

/** Compiles the code as runInContext does, without running it. */
function checkSyntax(context: QuickJSContext, code: string): SandboxOutcome {
  const compiled = context.evalCode(userFunction(code), FILENAME, { type: 'global', compileOnly: true });
  if (!compiled.error) {
    compiled.value.dispose();
    return { ok: true, resultJson: 'null' };
  }
  try {
    return classify(context, compiled.error);
  } finally {
    compiled.error.dispose();
  }
}

// Same first line as the user's code, so error line numbers match what they wrote.
const userFunction = (code: string) => `(async function () {${code}\n})`;

function evaluate(context: QuickJSContext, code: string, filename: string): { ok: true; handle: QuickJSHandle } | { ok: false; failure: Failure } {
  const result = context.evalCode(code, filename, { type: 'global' });
  if (!result.error) return { ok: true, handle: result.value };
  try {
    return { ok: false, failure: classify(context, result.error) };
  } finally {
    result.error.dispose();
  }
}

function callForString(context: QuickJSContext, fn: QuickJSHandle): { ok: true; text: string } | { ok: false; failure: Failure } {
  const result = context.callFunction(fn, context.undefined);
  try {
    return result.error ? { ok: false, failure: classify(context, result.error) } : { ok: true, text: context.getString(result.value) };
  } finally {
    (result.error ?? result.value).dispose();
  }
}

/** Logs written before a failure, read with a little extra memory and a fresh short deadline. */
function readLogs(runtime: QuickJSRuntime, context: QuickJSContext, collectLogs: QuickJSHandle, request: SandboxRequest): string[] {
  try {
    runtime.setMemoryLimit(request.memoryBytes + COLLECT_SLACK_BYTES);
    runtime.setInterruptHandler(shouldInterruptAfterDeadline(Date.now() + COLLECT_SLACK_MS));
    const collected = callForString(context, collectLogs);
    return collected.ok ? (JSON.parse(collected.text) as string[]) : [];
  } catch {
    return [];
  }
}

interface DumpedError {
  name?: unknown;
  message?: unknown;
  stack?: unknown;
  lineNumber?: unknown;
}

/** Maps what the user code threw to an error kind and a message a user can act on. */
function classify(context: QuickJSContext, error: QuickJSHandle): Failure {
  let dumped: unknown;
  try {
    dumped = context.dump(error);
  } catch {
    dumped = { name: 'InternalError', message: 'out of memory' };
  }
  if (typeof dumped !== 'object' || dumped === null)
    return { ok: false, kind: 'exception', message: `uncaught ${JSON.stringify(dumped) ?? String(dumped)}`, logs: [] };
  const { name, message, stack } = dumped as DumpedError;
  const text = typeof message === 'string' ? message : JSON.stringify(dumped);
  const kind = kindOf(typeof name === 'string' ? name : '', text);
  const line = kind === 'exception' || kind === 'invalid_value' ? userLine(stack) : undefined;
  const described =
    kind === 'timeout'
      ? 'the code ran past its time limit'
      : kind === 'memory'
        ? `the code ran out of memory (${text})`
        : typeof name === 'string' && name
          ? `${name}: ${text}`
          : text;
  return { ok: false, kind, message: line ? `${described} (line ${line})` : described, ...(line ? { line } : {}), logs: [] };
}

function kindOf(name: string, message: string): UserCodeErrorKind {
  if (name === 'InternalError' && message === 'interrupted') return 'timeout';
  if (['out of memory', 'stack overflow', 'string too long'].includes(message) && ['InternalError', 'SyntaxError', 'RangeError'].includes(name))
    return 'memory';
  if (name === 'InvalidValueError') return 'invalid_value';
  return 'exception';
}

/** The innermost stack frame in the user's code, e.g. "at f (code.js:3:17)" → 3. */
function userLine(stack: unknown): number | undefined {
  const match = typeof stack === 'string' ? USER_FRAME.exec(stack) : null;
  return match ? Number(match[1]) : undefined;
}
