/**
 * Runs one piece of user JavaScript in a fresh V8 isolate (isolated-vm: its own heap, JIT and
 * built-ins, never reused) with a heap limit and a deadline. Only strings and numbers cross the
 * boundary: the state goes in as one JSON string, results come out as JSON strings produced inside
 * the isolate; the host holds references to the prelude's functions, the isolate holds nothing of
 * the host. Runs in a sandbox process (isolate-process.ts), one run at a time.
 */
import ivm from 'isolated-vm';
import { PRELUDE_SOURCE } from './prelude';
import type { SandboxOutcome, SandboxRequest, UserCodeErrorKind } from './protocol';

const MIB = 1024 * 1024;
/** isolated-vm's smallest heap limit: V8 needs about that much for itself. */
const MIN_HEAP_MIB = 8;
const LOG_LIMITS = { lines: 200, lineChars: 4096 };
/** Time granted to read the logs back after the user code failed (its own deadline may have passed). */
const COLLECT_SLACK_MS = 200;
const FILENAME = 'code.js';
const USER_FRAME = /code\.js:(\d+)/;
/** isolated-vm appends where a compile error is: "Unexpected token ';' [code.js:1:9]". */
const COMPILE_LOCATION = / \[code\.js:(\d+):\d+\]$/;
const TIMED_OUT = 'Script execution timed out.';
const DISPOSED_FOR_MEMORY = /disposed.*memory limit/i;
/** What V8 throws when a run exhausts a resource: the stack, the string length, external memory. */
const RESOURCE_ERRORS = ['Maximum call stack size exceeded', 'Invalid string length', 'Array buffer allocation failed'];

type Failure = Extract<SandboxOutcome, { ok: false }>;

/** What the prelude reports about a settled run: the user code's error, described inside the isolate. */
type Settled = { state: 'pending' | 'ok' } | { state: 'error'; error: DescribedError };
interface DescribedError {
  name?: string;
  message?: string;
  stack?: string;
  /** a thrown value that is not an Error, as JSON */
  thrown?: string;
}

export function runInIsolate(request: SandboxRequest): SandboxOutcome {
  const deadline = Date.now() + request.timeoutMs;
  // No onCatastrophicError: on a heap exhaustion V8 cannot recover from, isolated-vm then aborts this
  // process (its stderr says why; the pool starts a new one) instead of parking the thread that runs
  // the isolate, which here is this process's only thread for JavaScript.
  const isolate = new ivm.Isolate({ memoryLimit: Math.max(MIN_HEAP_MIB, Math.ceil(request.memoryBytes / MIB)) });
  try {
    if (request.checkOnly) return checkSyntax(isolate, request.code);
    return runInContext(isolate, isolate.createContextSync(), request, deadline);
  } catch (e) {
    return classifyHostError(e, request);
  } finally {
    if (!isolate.isDisposed) isolate.dispose();
  }
}

function runInContext(isolate: ivm.Isolate, context: ivm.Context, request: SandboxRequest, deadline: number): SandboxOutcome {
  const state = JSON.stringify({ inputs: request.inputs, sessionObjects: request.sessionObjects, metadata: request.metadata ?? {}, logLimits: LOG_LIMITS });
  // the state is copied into the isolate and parsed there: it cannot fit if its text alone does not
  if (state.length > request.memoryBytes) return memoryFailure(request, 'its inputs and session objects alone are larger than its memory limit');
  const remaining = () => ({ timeout: Math.max(1, deadline - Date.now()) });

  const prelude = isolate.compileScriptSync(PRELUDE_SOURCE, { filename: 'prelude.js' }).runSync(context, { reference: true, ...remaining() });
  const api = prelude.applySync(undefined, [state], { result: { reference: true }, ...remaining() }) as ivm.Reference;
  const call = (name: string, args: unknown[] = [], timeout = remaining()) =>
    api.getSync(name, { reference: true }).applySync(undefined, args, { ...timeout }) as unknown;

  // a syntax error throws here, on the host: runInIsolate classifies it
  const compiled = isolate.compileScriptSync(userFunction(request.code), { filename: FILENAME }).runSync(context, { reference: true, ...remaining() });
  try {
    // runs the code and every promise job it queues (isolated-vm drains them before returning)
    call('run', [compiled.derefInto()]);
    const settled = JSON.parse(call('settled') as string) as Settled;
    if (settled.state === 'error') return { ...classify(settled.error, request.code), logs: readLogs(call) };
    if (settled.state === 'pending')
      return { ok: false, kind: 'exception', message: 'the code awaits a promise that never settles (the sandbox has no timers or I/O)', logs: readLogs(call) };
    return { ok: true, resultJson: call('collect') as string };
  } catch (e) {
    return { ...classifyHostError(e, request), logs: isolate.isDisposed ? [] : readLogs(call) };
  }
}

/** Compiles the code as runInContext does, without running it. */
function checkSyntax(isolate: ivm.Isolate, code: string): SandboxOutcome {
  isolate.compileScriptSync(userFunction(code), { filename: FILENAME });
  return { ok: true, resultJson: 'null' };
}

// Same first line as the user's code, so error line numbers match what they wrote.
const userFunction = (code: string) => `(async function () {${code}\n})`;

/** Logs written before a failure, read with a fresh short deadline. */
function readLogs(call: (name: string, args: unknown[], timeout: { timeout: number }) => unknown): string[] {
  try {
    return JSON.parse(call('collectLogs', [], { timeout: COLLECT_SLACK_MS }) as string) as string[];
  } catch {
    return [];
  }
}

const memoryFailure = (request: SandboxRequest, detail: string): Failure => ({
  ok: false,
  kind: 'memory',
  message: `the code ran out of memory (${detail}; its limit is ${Math.floor(request.memoryBytes / MIB)} MiB)`,
  logs: [],
});

/** An error isolated-vm threw on the host side: a compile error, the deadline, the heap limit, or one copied out of the isolate. */
function classifyHostError(e: unknown, request: SandboxRequest): Failure {
  const error = e instanceof Error ? e : new Error(String(e));
  if (error.message === TIMED_OUT) return { ok: false, kind: 'timeout', message: 'the code ran past its time limit', logs: [] };
  if (DISPOSED_FOR_MEMORY.test(error.message)) return memoryFailure(request, 'its heap reached the limit');
  const compileLine = COMPILE_LOCATION.exec(error.message);
  if (compileLine) {
    const line = Number(compileLine[1]);
    return { ok: false, kind: 'exception', message: `${error.name}: ${error.message.replace(COMPILE_LOCATION, '')} (line ${line})`, line, logs: [] };
  }
  return classify({ name: error.name, message: error.message, stack: error.stack }, request.code);
}

/** Maps what the user code threw to an error kind and a message a user can act on. */
function classify(error: DescribedError, code: string): Failure {
  if (error.thrown !== undefined) return { ok: false, kind: 'exception', message: `uncaught ${error.thrown}`, logs: [] };
  const name = error.name ?? '';
  const text = moduleLoadMessage(error, code) ?? error.message ?? '';
  const kind = kindOf(name, text);
  const line = kind === 'exception' || kind === 'invalid_value' ? userLine(error.stack) : undefined;
  const described = kind === 'memory' ? `the code ran out of memory (${text})` : name ? `${name}: ${text}` : text;
  return { ok: false, kind, message: line ? `${described} (line ${line})` : described, ...(line ? { line } : {}), logs: [] };
}

function kindOf(name: string, message: string): UserCodeErrorKind {
  if (name === 'RangeError' && (RESOURCE_ERRORS.includes(message) || message.startsWith('JSON nesting'))) return 'memory';
  if (name === 'InvalidValueError') return 'invalid_value';
  return 'exception';
}

/**
 * The sandbox has no modules: V8 rejects `import(…)` with a bare "Not supported" at the await.
 * Name the module the code asked for, read from the code at that point.
 */
function moduleLoadMessage(error: DescribedError, code: string): string | null {
  if (error.message !== 'Not supported') return null;
  const at = /code\.js:(\d+):(\d+)/.exec(error.stack ?? '');
  if (!at) return null;
  const lines = `(async function () {${code}`.split('\n');
  const from = lines[Number(at[1]) - 1]?.slice(Number(at[2]) - 1) ?? '';
  const imported = /^(?:await\s*)?import\s*\(\s*(['"`])([^'"`]*)\1/.exec(from);
  return imported ? `could not load module '${imported[2]}' (the sandbox has no modules)` : null;
}

/** The innermost stack frame in the user's code, e.g. "at f (code.js:3:17)" → 3. */
function userLine(stack: unknown): number | undefined {
  const match = typeof stack === 'string' ? USER_FRAME.exec(stack) : null;
  return match ? Number(match[1]) : undefined;
}
