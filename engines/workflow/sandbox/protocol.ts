/** Shapes shared by the host side (index.ts, pool.ts) and the sandbox thread (thread.ts). */

export type UserCodeErrorKind = 'exception' | 'timeout' | 'memory' | 'invalid_value';

/** One run as the sandbox thread receives it: limits already resolved to numbers. */
export interface SandboxRequest {
  code: string;
  inputs: Record<string, unknown>;
  sessionObjects: Record<string, unknown>;
  memoryBytes: number;
  timeoutMs: number;
}

/** What the user code produced, as the JSON text the sandbox serialized (parsed on the host). */
export type SandboxOutcome = { ok: true; resultJson: string } | { ok: false; kind: UserCodeErrorKind; message: string; line?: number; logs: string[] };
