/** Runs the real `blobhub` binary (apps/cli/bin/blobhub.mjs) as a child process, as a user's shell does. */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const CLI = path.resolve(import.meta.dirname, '../../apps/cli/bin/blobhub.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A user's environment: a home of its own and no BLOBHUB_* variables unless given. */
export function userEnv(extra: Record<string, string> = {}): Record<string, string> & { BLOBHUB_HOME: string } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('BLOBHUB_'))) as Record<string, string>;
  return { ...clean, BLOBHUB_HOME: mkdtempSync(path.join(os.tmpdir(), 'blobhub-home-')), NO_COLOR: '1', ...extra };
}

export function blobhub(args: string[], env: Record<string, string>, stdin?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [CLI, ...args], { env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
    child.stdin?.end(stdin ?? '');
  });
}

/** Starts a long-running command (e.g. events --follow); lines of stdout arrive as they are printed. */
export function spawnBlobhub(args: string[], env: Record<string, string>) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [CLI, ...args], { env });
  const lines: string[] = [];
  let stdout = '';
  let stderr = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    const parts = stdout.split('\n');
    stdout = parts.pop()!;
    lines.push(...parts.filter(Boolean));
    waiters.splice(0).forEach((wake) => wake());
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<CliResult>((resolve) =>
    child.on('close', (code) => {
      waiters.splice(0).forEach((wake) => wake());
      resolve({ code: code ?? 1, stdout: lines.join('\n'), stderr });
    }),
  );
  return {
    lines,
    exited,
    /** resolves once at least `n` lines were printed */
    async waitForLines(n: number) {
      while (lines.length < n) {
        if (child.exitCode !== null) throw new Error(`blobhub exited ${child.exitCode}: ${stderr}`);
        await new Promise<void>((wake) => waiters.push(wake));
      }
    },
    kill: () => child.kill('SIGTERM'),
  };
}
