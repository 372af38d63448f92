import { AsyncLocalStorage } from 'node:async_hooks';
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

/**
 * What the lines written in an async context go to: the app's logger (bound for the app's whole
 * life by `runWithLogger` at bootstrap), and inside a request its id (bound in the onRequest
 * hook by `enterRequestLogContext`). Async resources created in a context keep it: timers,
 * promises, sockets and undici's callbacks, so the gateway and streaming paths keep the id.
 */
interface LogContext {
  readonly logger: Logger;
  /** The request's id as `reqId` (the field the request line has always used). */
  readonly request?: { readonly reqId: string };
}

const logContext = new AsyncLocalStorage<LogContext>();

/** Adds the current request's `reqId` to every line (pino calls this once per written line). */
function requestMixin(): object {
  return logContext.getStore()?.request ?? NO_REQUEST;
}
const NO_REQUEST = Object.freeze({});

/** The line's own fields win (a line may name another request's id); no copy outside requests. */
function mergeRequest(line: object, request: object): object {
  return request === NO_REQUEST ? line : { ...request, ...line };
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
    mixin: requestMixin,
    mixinMergeStrategy: mergeRequest,
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => redactSecrets(object),
    },
  };
  return pino(options, destination);
}

/**
 * The process's own logger: what lines outside any app go to (imports, the CLI, unit tests, the
 * cluster primary). It logs at `info` until `useProcessLogger` sets the validated LOG_LEVEL:
 * reading the environment here, at import time, let a bad LOG_LEVEL crash the process inside
 * pino before the config could name it.
 */
const processLogger = createLogger();

/**
 * The process logger at the validated level. Setting `level` changes the one instance everyone
 * already holds (no holder can keep a stale logger, as they could after a swap); it is set once
 * per process in production (main.ts: the app, or the cluster primary).
 */
export function useProcessLogger(level: LogLevel): Logger {
  processLogger.level = level;
  return processLogger;
}

/** Runs `fn` (an app's bootstrap) so that everything it starts logs through `logger`. */
export function runWithLogger<T>(logger: Logger, fn: () => T): T {
  return logContext.run({ logger }, fn);
}

/**
 * Binds the request's id for the rest of its handling (Fastify's onRequest hook). `enterWith`,
 * not `run`: Fastify goes on to parse the body in the request's own async resource, where a
 * `run` callback's context would already be gone.
 */
export function enterRequestLogContext(reqId: string): void {
  const app = logContext.getStore()?.logger ?? processLogger;
  logContext.enterWith({ logger: app, request: { reqId } });
}

/** The current context's logger. */
function current(): Logger {
  return logContext.getStore()?.logger ?? processLogger;
}

const forwarders = new Map<PropertyKey, (...args: unknown[]) => unknown>();
function forwarder(prop: PropertyKey): (...args: unknown[]) => unknown {
  let f = forwarders.get(prop);
  if (!f) {
    f = (...args: unknown[]) => {
      const logger = current() as unknown as Record<PropertyKey, (...a: unknown[]) => unknown>;
      return logger[prop](...args);
    };
    forwarders.set(prop, f);
  }
  return f;
}

/**
 * The process-wide logger every module imports. Never replaced and read-only: each call goes to
 * the logger of the async context it runs in (the app's, else the process's); the request id
 * comes from the context too (`requestMixin`). A child made from it binds to the logger current
 * when it is made (an app's services make theirs while the app boots), and still gets the id
 * of the request it logs in.
 */
export const rootLogger: Logger = new Proxy(processLogger, {
  get(_target, prop) {
    const logger = current();
    const value: unknown = Reflect.get(logger, prop, logger);
    return typeof value === 'function' ? forwarder(prop) : value;
  },
  set() {
    throw new TypeError('rootLogger is read-only: bind a logger with runWithLogger');
  },
});
