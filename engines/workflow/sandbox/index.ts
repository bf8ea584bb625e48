/**
 * `logic.code`: runs user JavaScript in a V8 isolate in a sandbox process (fresh isolate per run,
 * heap and time limits, no host objects; see isolate-process.ts, and prelude.ts for the API the
 * code sees), or user Python in Pyodide (CPython/WASM) in sandbox threads, under the same slots and
 * limits (python/runtime.ts, python/prelude.ts).
 */
import { z } from 'zod';
import type { Config } from '../../../core/config';
import { valueObject } from '../model';
import { closeSandboxThreads, configureSandboxPool, defaultSandboxPolicy, runInSandboxThread } from './pool';
import type { SandboxLanguage, UserCodeErrorKind } from './protocol';

export type { SandboxLanguage, UserCodeErrorKind } from './protocol';
export { closeSandboxThreads };
export type { QueueReason } from './fair-gate';

/** Whose run it is (for the fair share of threads) and how to report waiting and cancellation. */
export type SandboxSlot = NonNullable<Parameters<typeof runInSandboxThread>[1]>;

export interface LogicCodeInput {
  /** JavaScript (V8 isolate) unless it says python (Pyodide). */
  language?: SandboxLanguage;
  code: string;
  /** BlobHub value objects by input route, e.g. {n: {type: 'integer', integer: 3}}. */
  inputs: Record<string, unknown>;
  /** The session's objects by alias (a snapshot; writes come back in sessionWrites). */
  sessionObjects: Record<string, unknown>;
  /** BlobHub's metadata objects by name (blob, session, definition, execution, attributes), read-only in the code */
  metadata?: Record<string, Record<string, unknown>>;
  limits?: { memoryBytes?: number; timeoutMs?: number };
}

export interface LogicCodeResult {
  outputs: Record<string, { value: unknown; persist: boolean }>;
  result: { route: string; terminal: boolean } | null;
  sessionWrites: Record<string, unknown>;
  logs: string[];
}

export class UserCodeError extends Error {
  readonly kind: UserCodeErrorKind;
  /** Line in the user's code where an exception was thrown, when known. */
  readonly line?: number;
  /** What the code logged before it failed. */
  readonly logs: string[];

  constructor(kind: UserCodeErrorKind, message: string, options: { line?: number; logs?: string[] } = {}) {
    super(message);
    this.name = 'UserCodeError';
    this.kind = kind;
    this.line = options.line;
    this.logs = options.logs ?? [];
  }
}

export const DEFAULT_MEMORY_BYTES = 64 * 1024 * 1024;
export const DEFAULT_TIMEOUT_MS = 5000;

const logicCodeInput = z.object({
  language: z.enum(['javascript', 'python']).optional(),
  code: z.string().max(1024 * 1024),
  inputs: z.record(z.string(), z.unknown()),
  sessionObjects: z.record(z.string(), z.unknown()),
  metadata: z.record(z.string(), z.record(z.string(), z.unknown())).optional(),
  limits: z
    .object({
      memoryBytes: z
        .number()
        .int()
        .min(1024 * 1024)
        .max(1024 * 1024 * 1024)
        .optional(),
      timeoutMs: z
        .number()
        .int()
        .min(1)
        .max(10 * 60 * 1000)
        .optional(),
    })
    .optional(),
});

// The authority on what leaves the sandbox: the in-sandbox checks give early, precise errors, but
// code can tamper with its own realm (e.g. Object.prototype), so the host checks again.
const sandboxResult = z.object({
  outputs: z.record(z.string().min(1), z.object({ value: valueObject, persist: z.boolean() })),
  result: z.object({ route: z.string().min(1), terminal: z.boolean() }).nullable(),
  sessionWrites: z.record(z.string().min(1), z.unknown()),
  logs: z.array(z.string()),
});

/** Runs `code` with the BlobHub code API; throws UserCodeError when the code fails. */
export async function runLogicCode(input: LogicCodeInput, slot: SandboxSlot = {}): Promise<LogicCodeResult> {
  const { language, code, inputs, sessionObjects, metadata, limits } = logicCodeInput.parse(input);
  const outcome = await runInSandboxThread(
    {
      language,
      code,
      inputs,
      sessionObjects,
      metadata,
      memoryBytes: limits?.memoryBytes ?? DEFAULT_MEMORY_BYTES,
      timeoutMs: limits?.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    },
    slot,
  );
  if (!outcome.ok) throw new UserCodeError(outcome.kind, outcome.message, { line: outcome.line, logs: outcome.logs });
  const checked = sandboxResult.safeParse(JSON.parse(outcome.resultJson));
  if (!checked.success) throw new UserCodeError('invalid_value', `the code produced an invalid value: ${z.prettifyError(checked.error)}`);
  return checked.data;
}

/** How long compiling one component's code may take (after any warm-up of its language). */
const SYNTAX_CHECK_TIMEOUT_MS = 5000;

/** Compiles code in its language without running it: null, or the error (a syntax error names its line). */
export async function checkCodeSyntax(language: SandboxLanguage, code: string): Promise<{ message: string; line?: number } | null> {
  const outcome = await runInSandboxThread({
    language,
    checkOnly: true,
    code,
    inputs: {},
    sessionObjects: {},
    memoryBytes: DEFAULT_MEMORY_BYTES,
    timeoutMs: SYNTAX_CHECK_TIMEOUT_MS,
  });
  return outcome.ok ? null : { message: outcome.message, ...(outcome.line ? { line: outcome.line } : {}) };
}

/** The sandbox pool's size and fair-share rules, from BLOBHUB_SANDBOX_*. */
export function configureSandbox(c: Config) {
  configureSandboxPool({
    threads: c.BLOBHUB_SANDBOX_THREADS ?? defaultSandboxPolicy().threads,
    orgConcurrency: c.BLOBHUB_SANDBOX_ORG_CONCURRENCY,
    longRunMs: c.BLOBHUB_SANDBOX_LONG_RUN_MS,
    reservedShortThreads: c.BLOBHUB_SANDBOX_RESERVED_SHORT_THREADS,
    nice: c.BLOBHUB_SANDBOX_NICE,
  });
}
