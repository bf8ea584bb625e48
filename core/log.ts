/**
 * The process's one structured logger (pino): JSON lines in production, readable lines on a
 * terminal (BLOBHUB_LOG_FORMAT chooses). Every line carries the ids of the work it is part of —
 * a request's `request_id`, `org_id`, `blob_id`, `execution_id`; an activity's `execution_id`,
 * `workflow_id`, `run_id` — from an AsyncLocalStorage context, so that code deep inside a service
 * logs through `logger` and still says which request or activity it belongs to.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { pino, type DestinationStream, type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LogContext {
  request_id?: string;
  org_id?: string;
  blob_id?: string;
  execution_id?: string;
  workflow_id?: string;
  run_id?: string;
  activity_type?: string;
}

export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];
export const logFormats = ['json', 'pretty'] as const;

const contexts = new AsyncLocalStorage<LogContext>();

/** Fields that hold secrets wherever they appear in a logged object: pino writes `[redacted]` instead. */
const secretFields = ['password', 'api_key', 'apiKey', 'token', 'secret', 'authorization', 'cookie', 'x-api-key', 'body', 'tls_key', 'clientKey'];
const redactPaths = secretFields.flatMap((field) => [`["${field}"]`, `*["${field}"]`, `*.headers["${field}"]`]);

/** Readable lines for a person at a terminal outside production; JSON lines for everything else (collectors). */
function destination(fd: 1 | 2, format: string | undefined): DestinationStream {
  const tty = (fd === 1 ? process.stdout : process.stderr).isTTY;
  const readable = format ? format === 'pretty' : tty && process.env.NODE_ENV !== 'production';
  return readable ? pretty({ colorize: tty, destination: fd, sync: true }) : pino.destination({ dest: fd, sync: true });
}

const levelFromEnv = (fallback: LogLevel) => (logLevels as readonly string[]).find((level) => level === process.env.BLOBHUB_LOG_LEVEL) ?? fallback;

/**
 * A logger writing to stdout (servers) or stderr (the CLI, whose stdout is its output), at
 * BLOBHUB_LOG_LEVEL or `fallbackLevel`, in BLOBHUB_LOG_FORMAT.
 */
export function createLogger(fd: 1 | 2, fallbackLevel: LogLevel): Logger {
  return pino(
    {
      level: levelFromEnv(fallbackLevel),
      // the ids of the request or activity this line is logged in; the call's own fields win
      mixin: () => ({ ...contexts.getStore() }),
      redact: { paths: redactPaths, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination(fd, process.env.BLOBHUB_LOG_FORMAT),
  );
}

/** The servers' logger (API, worker, dev mode). */
export const logger: Logger = createLogger(1, 'info');

/** Applies BLOBHUB_LOG_LEVEL (validated by the config) to the process's logger. */
export function configureLogging(config: { BLOBHUB_LOG_LEVEL: LogLevel }) {
  logger.level = config.BLOBHUB_LOG_LEVEL;
}

/** Runs `fn` with `context` added to the current one: every line logged inside carries it. */
export function withLogContext<T>(context: LogContext, fn: () => T): T {
  return contexts.run({ ...contexts.getStore(), ...context }, fn);
}

/** Adds ids learnt along the way (the org a request turned out to be about) to the current context, if any. */
export function addLogContext(context: LogContext): void {
  const store = contexts.getStore();
  if (store) Object.assign(store, context);
}
