import pino, { Logger } from 'pino';

/**
 * pino JSON logs. Secrets never reach a log line: Authorization, PRIVATE-TOKEN, cookies and any
 * field named token/secret are redacted wherever they appear (two levels deep).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["private-token"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers.Authorization',
  'headers["private-token"]',
  'headers["PRIVATE-TOKEN"]',
  'token',
  '*.token',
  '*.*.token',
  'secret',
  '*.secret',
  'privateKey',
  '*.privateKey',
  'password',
  '*.password',
];

/** The levels LOG_LEVEL accepts (validated in src/config, so pino never sees another). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function createLogger(level: LogLevel = 'info'): Logger {
  return pino({
    level,
    base: { service: 'switchboard' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
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
