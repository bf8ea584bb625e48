/** `blobhub`: the BlobHub command-line tool (docs/cli.md). */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { BlobHubError } from '../../sdk';
import { registerAuth } from './commands/auth';
import { registerOnnx } from './commands/onnx';
import { registerResources } from './commands/resources';
import { registerSchedules } from './commands/schedules';
import { registerTriggers } from './commands/triggers';
import { registerWorkflow } from './commands/workflow';
import { EXIT, exitCodeOf } from './exit-codes';
import { createLogger } from '../../core/log';

/** The CLI's own diagnostics (BLOBHUB_LOG_LEVEL=debug), on stderr: stdout is the command's output. */
const log = createLogger(2, 'warn');

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('blobhub')
  .description('BlobHub: typed, versioned blobs (workflow, scheduler, ONNX model) run on Temporal')
  .version(version)
  .option('--json', 'print JSON for scripts instead of tables')
  .option('--profile <name>', 'the credentials profile (default: BLOBHUB_PROFILE, else the file’s default)')
  .showHelpAfterError()
  .exitOverride();

registerAuth(program);
registerResources(program);
registerWorkflow(program);
registerSchedules(program);
registerTriggers(program);
registerOnnx(program);
// Groups without their subcommand show help and fail as usage errors, like any bad call.
for (const command of program.commands) command.exitOverride();

function report(error: unknown, json: boolean) {
  const code = error instanceof BlobHubError ? error.code : undefined;
  const message = error instanceof Error ? error.message : String(error);
  log.debug({ err: error }, 'command failed');
  if (json)
    console.error(JSON.stringify({ error: { code: code ?? 'cli_error', message, details: error instanceof BlobHubError ? error.details : undefined } }));
  else console.error(code ? `error: ${code}: ${message}` : `error: ${message}`);
  if (!json && error instanceof BlobHubError && error.details !== undefined) console.error(JSON.stringify(error.details, null, 2));
  if (!json && code === 'unauthenticated') console.error('hint: run blobhub login, or set BLOBHUB_API_KEY');
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander has printed the problem (or the help / version asked for) already.
    process.exitCode = error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  } else {
    report(error, Boolean(program.opts().json));
    process.exitCode = exitCodeOf(error);
  }
}
