/** Shapes shared by the host side (index.ts, pool.ts) and the sandbox processes and threads (isolate-process-main.ts, thread.ts). */

export type SandboxLanguage = 'javascript' | 'python';

export type UserCodeErrorKind = 'exception' | 'timeout' | 'memory' | 'invalid_value';

/** One run as a sandbox process or thread receives it: limits already resolved to numbers. */
export interface SandboxRequest {
  /** JavaScript runs in a V8 isolate (isolate-runner.ts), Python in Pyodide (python/runtime.ts); JavaScript when absent. */
  language?: SandboxLanguage;
  /** Compile without running: the outcome is ok, or the syntax error with its line. */
  checkOnly?: boolean;
  code: string;
  inputs: Record<string, unknown>;
  sessionObjects: Record<string, unknown>;
  /** BlobHub's metadata objects by name (blob, session, definition, execution, attributes) */
  metadata?: Record<string, Record<string, unknown>>;
  memoryBytes: number;
  timeoutMs: number;
}

/** What the user code produced, as the JSON text the sandbox serialized (parsed on the host). */
export type SandboxOutcome = { ok: true; resultJson: string } | { ok: false; kind: UserCodeErrorKind; message: string; line?: number; logs: string[] };

/** What a thread posts when Python code starts, after any warm-up: the run's clock starts here. */
export const PYTHON_STARTED = 'python_started';

/** How long past its deadline a run may take before the watchdog terminates its thread or kills its process. */
export const WATCHDOG_GRACE_MS = 2000;
