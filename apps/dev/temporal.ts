import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { searchAttributes, type TemporalEndpoints } from '../../core/temporal';
import { freePort, startProcess, toolPath, waitForPort, type ManagedProcess } from './processes';

export interface TemporalDevServer extends ManagedProcess, TemporalEndpoints {
  httpAddress: string;
  metricsAddress: string;
}

/**
 * `temporal server start-dev` with the BlobHub search attributes registered. With a dataDir its
 * SQLite file persists across starts; without, state lives in memory (tests).
 */
export async function startTemporalDevServer(opts: DevServerOptions = {}): Promise<TemporalDevServer> {
  // A port freePort() found can be taken by another process before Temporal binds it: try again on fresh ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(opts);
    } catch (error) {
      if (attempt === 3 || !(error instanceof PortTakenError)) throw error;
    }
  }
}

interface DevServerOptions {
  dataDir?: string;
  port?: number;
  uiPort?: number;
  headless?: boolean;
  verbose?: boolean;
  /** server dynamic config (`--dynamic-config-value key=value`), e.g. a benchmark's history limits */
  dynamicConfig?: Record<string, string | number | boolean>;
}

class PortTakenError extends Error {}

async function startOnce(opts: DevServerOptions): Promise<TemporalDevServer> {
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--namespace', 'default', '--log-level', 'error'];
  const [httpPort, metricsPort] = [await freePort(), await freePort()];
  args.push('--http-port', String(httpPort), '--metrics-port', String(metricsPort));
  for (const name of searchAttributes) args.push('--search-attribute', `${name}=Keyword`);
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) args.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`);
  if (opts.dataDir) {
    mkdirSync(opts.dataDir, { recursive: true });
    args.push('--db-filename', path.join(opts.dataDir, 'temporal.sqlite'));
  }
  let uiUrl: string | undefined;
  if (opts.headless) args.push('--headless');
  else {
    const uiPort = opts.uiPort ?? (await freePort());
    args.push('--ui-port', String(uiPort));
    uiUrl = `http://localhost:${uiPort}`;
  }
  const proc = startProcess(toolPath('temporal'), args, { verbose: opts.verbose });
  try {
    await waitForPort(port, proc.child, 120_000, 'temporal dev server');
  } catch (error) {
    if (proc.stderrTail().includes('address already in use')) throw new PortTakenError((error as Error).message);
    throw error;
  }
  return { ...proc, address: `127.0.0.1:${port}`, uiUrl, httpAddress: `127.0.0.1:${httpPort}`, metricsAddress: `127.0.0.1:${metricsPort}` };
}
