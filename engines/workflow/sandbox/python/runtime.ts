/**
 * Python for `logic.code`: CPython compiled to WebAssembly (Pyodide), loaded from the npm package
 * with no network, one warm interpreter per sandbox thread.
 *
 * Isolation, from the inside out:
 *  - user code gets fresh globals, BlobHub's built-ins and an import that allows only
 *    ALLOWED_MODULES (prelude.ts);
 *  - Python's object graph can reach past such restrictions, so the interpreter itself holds nothing
 *    worth reaching: no JavaScript bridge (`js`, `pyodide_js` are gone and the JS globals it was
 *    given are an empty object), sockets refuse to open, and the file system is the in-memory copy
 *    of the standard library, made read-only;
 *  - no state crosses runs: after every run the interpreter's whole linear memory is put back as it
 *    was when the thread warmed up (a few MB copied: milliseconds), so a module, class or heap byte
 *    changed by one run (of any org) is gone before the next.
 * Time: the host sets Pyodide's interrupt buffer at the deadline (KeyboardInterrupt), and terminates
 * the thread if the code swallows that (pool.ts).
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { loadPyodide } from 'pyodide';
import type { PyCallable } from 'pyodide/ffi';
import type { SandboxOutcome, SandboxRequest } from '../protocol';
import { lockDownRealm } from './lockdown';
import { PYTHON_PRELUDE } from './prelude';

const LOG_LIMITS = { lines: 200, lineChars: 4096 };
/** Emscripten's EACCES: what opening a socket fails with. */
const EACCES = 2;

/** The parts of Pyodide's Emscripten module used here: its memory and dlmalloc's footprint controls. */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  SOCKFS: { createSocket: () => never };
  _malloc_footprint(): number;
  _malloc_max_footprint(): number;
  _malloc_set_footprint_limit(bytes: number): number;
}

export interface WarmPython {
  module: EmscriptenModule;
  run: PyCallable;
  checkSyntax: PyCallable;
  /** The interpreter's linear memory right after warm-up: restored after every run. */
  pristine: Uint8Array;
  /** What malloc had taken from the heap at warm-up: a run's memory is what it takes beyond this. */
  footprint: number;
}

/** Memory a run grew and left behind is zeroed after each later run; past this much, a new interpreter is cheaper. */
const KEEP_GROWN_BYTES = 64 * 1024 * 1024;

/** Where the pyodide package keeps its wasm and standard library (no CDN, no network). */
const indexURL = `${dirname(createRequire(import.meta.url).resolve('pyodide/package.json'))}/`;

export async function warmPython(interrupt: Int32Array): Promise<WarmPython> {
  const pyodide = await loadPyodide({ indexURL, jsglobals: Object.create(null) as object, env: {}, stdout: () => {}, stderr: () => {} });
  const module = (pyodide as unknown as { _module: EmscriptenModule })._module;
  for (const name of ['js', 'pyodide_js']) pyodide.unregisterJsModule(name);
  pyodide.setInterruptBuffer(interrupt);
  refuseSockets(module, pyodide.FS);
  pyodide.runPython(PYTHON_PRELUDE);
  // modules that hand out JavaScript objects leave sys.modules (the JS module finder is empty now)
  pyodide.runPython(`import sys\nfor _m in [m for m in sys.modules if m.split('.')[0] in ('js', 'pyodide_js')]: del sys.modules[_m]`);
  // the prelude's two functions (pyodide's proxy types answer any for them)
  const globals = pyodide.globals as unknown as { get(name: string): unknown };
  const run = globals.get('run') as PyCallable;
  const checkSyntax = globals.get('check_syntax') as PyCallable;
  makeFileSystemReadOnly(pyodide.FS);
  lockDownRealm();
  return { module, run, checkSyntax, pristine: module.HEAPU8.slice(), footprint: module._malloc_footprint() };
}

/** Runs one request on the warm interpreter and puts the interpreter back as it was. */
export function runInPython(python: WarmPython, request: SandboxRequest, interrupt: Int32Array): SandboxOutcome {
  const { module } = python;
  Atomics.store(interrupt, 0, 0);
  // malloc refuses to take more than the limit from the heap: Python raises MemoryError
  module._malloc_set_footprint_limit(python.footprint + request.memoryBytes);
  const state = JSON.stringify({ inputs: request.inputs, sessionObjects: request.sessionObjects, metadata: request.metadata ?? {}, logLimits: LOG_LIMITS });
  try {
    return parseOutcome(python.run(request.code, state));
  } catch (e) {
    // the deadline's interrupt can land while the sandbox reports, after the user code ended
    if (e instanceof Error && 'type' in e && e.type === 'KeyboardInterrupt')
      return { ok: false, kind: 'timeout', message: 'the code ran past its time limit', logs: [] };
    // a run at its memory limit can fail even to report its MemoryError
    if (module._malloc_max_footprint() - python.footprint < request.memoryBytes - MEMORY_SLACK_BYTES) throw e;
    const message = `the code ran out of memory (its limit is ${Math.floor(request.memoryBytes / 1048576)} MiB)`;
    return { ok: false, kind: 'memory', message, logs: [] };
  } finally {
    restore(python);
  }
}

/** Memory the sandbox itself may need to report a failure near the limit. */
const MEMORY_SLACK_BYTES = 1024 * 1024;

/** The run's answer; code that broke the interpreter's own JSON can only harm its own result. */
function parseOutcome(answer: unknown): SandboxOutcome {
  try {
    return JSON.parse(String(answer)) as SandboxOutcome;
  } catch {
    return { ok: false, kind: 'invalid_value', message: 'the code produced a result that is not JSON (did it change the json module?)', logs: [] };
  }
}

/** Compiles `code` without running it: ok, or the syntax error with its line. */
export function checkPythonSyntax(python: WarmPython, code: string): SandboxOutcome {
  try {
    const found = python.checkSyntax(code) as string | undefined;
    if (!found) return { ok: true, resultJson: 'null' };
    const { message, line } = JSON.parse(found) as { message: string; line?: number };
    return { ok: false, kind: 'exception', message: line ? `${message} (line ${line})` : message, ...(line ? { line } : {}), logs: [] };
  } finally {
    restore(python);
  }
}

/** Puts the interpreter's memory back as it was after warm-up. */
function restore(python: WarmPython): void {
  const memory = python.module.HEAPU8;
  memory.set(python.pristine);
  // memory a run grew stays mapped: zero it, so nothing of that run remains readable
  if (memory.length > python.pristine.length) memory.fill(0, python.pristine.length);
}

/** True when the interpreter holds so much grown memory that zeroing it after every run costs more than a new one. */
export const holdsTooMuchMemory = (python: WarmPython): boolean => python.module.HEAPU8.length - python.pristine.length > KEEP_GROWN_BYTES;

interface EmscriptenFs {
  ErrnoError: new (errno: number) => Error;
  lookupPath(path: string): { node: { mode: number } };
  readdir(path: string): string[];
  isDir(mode: number): boolean;
  chmod(path: string, mode: number): void;
}

/** Pyodide would tunnel sockets over WebSockets from Node: every socket() fails instead. */
function refuseSockets(module: EmscriptenModule, fs: EmscriptenFs): void {
  module.SOCKFS.createSocket = () => {
    throw new fs.ErrnoError(EACCES);
  };
}

/**
 * Emscripten checks mode bits: with no write bit anywhere, nothing can be created or changed (the
 * files live in JavaScript, outside the memory restored after each run, so they must not change).
 */
function makeFileSystemReadOnly(fs: EmscriptenFs): void {
  const visit = (path: string) => {
    if (path === '/dev' || path === '/proc') return;
    const { mode } = fs.lookupPath(path).node;
    if (!fs.isDir(mode)) return fs.chmod(path, 0o444);
    fs.chmod(path, 0o555);
    for (const entry of fs.readdir(path)) if (entry !== '.' && entry !== '..') visit(path === '/' ? `/${entry}` : `${path}/${entry}`);
  };
  visit('/');
}
