/** A throwaway PostgreSQL server for the test run (Debian's binaries; as root it runs as `postgres`). */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProcess, waitForPort, type ManagedProcess } from '../../apps/dev/processes';

const PG_BIN = process.env.BLOBHUB_PG_BIN ?? '/usr/lib/postgresql/15/bin';
const isRoot = process.getuid?.() === 0;

function asPostgresUser(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export interface PostgresServer extends ManagedProcess {
  url: string;
  /** stops the server as an operator would (fast shutdown: open connections are closed), keeping its data */
  halt(): Promise<void>;
  /** starts the halted server again on the same port and data */
  resume(): Promise<void>;
}

/** `settings`: extra server settings (`-c key=value`), e.g. a benchmark's shared_preload_libraries. */
export async function startPostgres(settings: Record<string, string> = {}): Promise<PostgresServer> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'blobhub-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = path.join(dir, 'data');
  if (isRoot) execFileSync('chown', ['postgres', dir]);
  const [initCmd, initArgs] = asPostgresUser(path.join(PG_BIN, 'initdb'), ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '--no-sync', '-E', 'UTF8']);
  execFileSync(initCmd, initArgs, { stdio: 'ignore' });
  const port = await freePort();
  const launch = async () => {
    const [cmd, args] = asPostgresUser(path.join(PG_BIN, 'postgres'), [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-h',
      '127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=400',
      ...Object.entries(settings).flatMap(([key, value]) => ['-c', `${key}=${value}`]),
    ]);
    const proc = startProcess(cmd, args);
    await waitForPort(port, proc.child, 60_000, 'postgres');
    return proc;
  };
  let proc = await launch();
  return {
    get child() {
      return proc.child;
    },
    stderrTail: () => proc.stderrTail(),
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async halt() {
      const exited = new Promise((resolve) => proc.child.once('exit', resolve));
      const [cmd, args] = asPostgresUser(path.join(PG_BIN, 'pg_ctl'), ['stop', '-D', dataDir, '-m', 'fast', '-w']);
      execFileSync(cmd, args, { stdio: 'ignore' });
      await exited;
    },
    async resume() {
      proc = await launch();
    },
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
