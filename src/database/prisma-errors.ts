import { Prisma } from '../generated/prisma/client';
import { DomainError } from '../common/errors/domain-error';
import { DatabaseUnavailableError } from './database-unavailable';

/**
 * The one place Prisma's error codes are interpreted. Repositories call `mapPrismaError` with
 * the words for the conflict so the caller gets a domain error, never a driver error.
 */
export function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002';
}

export function isNotFound(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2025';
}

export function isForeignKeyViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2003';
}

/**
 * A number the database cannot hold (`value … is out of range for type integer`): Prisma's P2020,
 * or the driver adapter's PostgreSQL 22003 when it arrives unwrapped.
 */
export function isValueOutOfRange(err: unknown): boolean {
  if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2020') return true;
  const cause = (err as { cause?: { originalCode?: unknown } } | null)?.cause;
  return (err as { name?: unknown } | null)?.name === 'DriverAdapterError'
    ? cause?.originalCode === '22003'
    : false;
}

/**
 * Prisma's own codes for an unreachable, timed-out or vanished server. P2028 is its transaction
 * manager giving up (no connection within maxWait, or the transaction outlived its timeout):
 * against a hung server every transaction ends so, and a retry later is the right advice.
 */
const UNREACHABLE_PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2028']);
const UNREACHABLE_SYSTEM_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
]);
/**
 * The driver adapter's kinds for a server that cannot be reached. A raw query (`$queryRaw`)
 * carries them inside a P2010 and a plain query the server's own codes inside a P2039, so the
 * Prisma code alone does not tell (POST /users answered 500 from findByUsername's raw query).
 */
const UNREACHABLE_ADAPTER_KINDS = new Set([
  'DatabaseNotReachable',
  'ConnectionClosed',
  'SocketTimeout',
  'TooManyConnections',
]);
/**
 * PostgreSQL's own answers while it stops, starts or is out of connections: class 08
 * (connection exception), 57P01-57P03 (shutting down, crashed, cannot connect now), 53300.
 */
const isUnreachablePgCode = (code: unknown): boolean =>
  typeof code === 'string' &&
  (code.startsWith('08') || /^57P0[123]$/.test(code) || code === '53300');
/**
 * pg-pool rejects with plain Errors that carry no code for these, so the message is the
 * only handle; they are matched here, in the one place driver errors are interpreted.
 */
const UNREACHABLE_PG_MESSAGES = [
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Query read timeout',
];

/** The driver adapter's error, whether Prisma wrapped it (meta.driverAdapterError) or not. */
function adapterCause(err: unknown): { kind?: unknown; originalCode?: unknown } | undefined {
  const wrapped = (err as { meta?: { driverAdapterError?: unknown } } | null)?.meta
    ?.driverAdapterError;
  const adapter = wrapped ?? err;
  if ((adapter as { name?: unknown } | null)?.name !== 'DriverAdapterError') return undefined;
  return (adapter as { cause?: { kind?: unknown; originalCode?: unknown } }).cause;
}

/** The server could not be reached or stopped answering (not a problem with the request). */
export function isDatabaseUnreachable(err: unknown): boolean {
  if (err instanceof DatabaseUnavailableError) return true;
  const adapter = adapterCause(err);
  if (adapter) {
    return (
      UNREACHABLE_ADAPTER_KINDS.has(adapter.kind as string) ||
      isUnreachablePgCode(adapter.originalCode)
    );
  }
  if (err instanceof Prisma.PrismaClientKnownRequestError) {
    return UNREACHABLE_PRISMA_CODES.has(err.code);
  }
  if (err instanceof Prisma.PrismaClientInitializationError) return true;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE_SYSTEM_CODES.has(code)) return true;
  if (isUnreachablePgCode(code) && typeof (err as { severity?: unknown }).severity === 'string') {
    return true; // a pg DatabaseError reaching us unwrapped (migration runner, readiness ping)
  }
  return UNREACHABLE_PG_MESSAGES.some((m) => err.message.startsWith(m));
}

/**
 * Backstop for the error filter: a database that cannot be reached is a 503 on every route;
 * a number the database cannot hold is the client's 400 (input validation should refuse such
 * numbers first, see common/validation/params.ts).
 */
export function clientErrorFromDatabase(err: unknown): DomainError | undefined {
  if (isDatabaseUnreachable(err)) {
    // Down, hung past a deadline or known down, and no cached answer: a clear 503, not a 500.
    // An outage is logged by the database guard as state changes; a guarded call that failed
    // for another reason is not an outage, so its 503 keeps its log line.
    const otherFailure =
      err instanceof DatabaseUnavailableError &&
      err.reason === 'error' &&
      !isDatabaseUnreachable(err.cause);
    return new DomainError('service_unavailable', 'The database is temporarily unavailable', {
      cause: err,
      loggedAsStateChange: !otherFailure,
    });
  }
  if (isValueOutOfRange(err)) {
    return new DomainError('validation', 'a number in the request is out of range', {
      cause: err,
    });
  }
  return undefined;
}

export function mapPrismaError(
  err: unknown,
  words: { conflict?: string; notFound?: string; foreignKey?: string },
): never {
  if (words.conflict && isUniqueViolation(err)) throw new DomainError('conflict', words.conflict);
  if (words.notFound && isNotFound(err)) throw DomainError.notFound(words.notFound);
  if (words.foreignKey && isForeignKeyViolation(err)) {
    throw new DomainError('conflict', words.foreignKey);
  }
  throw clientErrorFromDatabase(err) ?? err;
}
