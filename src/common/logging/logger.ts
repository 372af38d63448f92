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

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service: 'switchboard' },
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  });
}

/** Process-wide logger; bootstrap replaces its level from the validated config. */
export let rootLogger: Logger = createLogger();

export function setRootLogger(logger: Logger): void {
  rootLogger = logger;
}
