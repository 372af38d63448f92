import cluster from 'node:cluster';
import pino, { Logger } from 'pino';
import { CENSOR, redactSecrets } from './redact';

/**
 * pino JSON logs. Secrets never reach a log line: credential headers (Authorization,
 * PRIVATE-TOKEN, cookies) and fields named token/secret/password… are redacted at any depth
 * in every log call's object, also through child loggers, by `redactSecrets` (see redact.ts
 * for why not pino's path redaction). The few fixed paths below cover what serializers add
 * after that step (Fastify's `req`). Child-logger bindings are not walked: bind ids, not secrets.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["private-token"]',
  'req.headers.cookie',
];

/** The levels LOG_LEVEL accepts (validated in src/config, so pino never sees another). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

let stdout: pino.DestinationStream | undefined;

/**
 * Stdout written asynchronously: a completion writes two lines at the production default `info`,
 * and a synchronous write per line blocked the event loop on the pipe (measured in
 * bench/RESULTS.md). Lines logged while a write is in flight go out together in the next write;
 * pino flushes what is left when the process exits. One stream for every logger of the process.
 */
function stdoutDestination(): pino.DestinationStream {
  stdout ??= pino.destination({ dest: 1, sync: false });
  return stdout;
}

/** `destination` (default: stdout, asynchronous) lets tests read what would be written. */
export function createLogger(
  level: LogLevel = 'info',
  destination: pino.DestinationStream = stdoutDestination(),
): Logger {
  const options: pino.LoggerOptions = {
    level,
    // Under WORKERS>1 each line names its worker.
    base: cluster.isWorker
      ? { service: 'switchboard', worker: cluster.worker?.id }
      : { service: 'switchboard' },
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSecrets(object),
    },
  };
  return pino(options, destination);
}

/**
 * Process-wide logger. Until bootstrap replaces it with one at the validated LOG_LEVEL it logs at
 * `info`: reading the environment here, at import time, let a bad LOG_LEVEL crash the process
 * inside pino before the config could name it.
 */
export let rootLogger: Logger = createLogger();

export function setRootLogger(logger: Logger): void {
  rootLogger = logger;
}
