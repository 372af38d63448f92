import { Prisma } from '../generated/prisma/client';
import { DomainError } from '../common/errors/domain-error';
import { DatabaseUnavailableError } from './database-guard';

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
 * Backstop for the error filter: input validation should refuse such numbers first (see
 * common/validation/params.ts), but if one slips through it is the client's mistake, a 400.
 */
export function clientErrorFromDatabase(err: unknown): DomainError | undefined {
  if (err instanceof DatabaseUnavailableError) {
    // Known down or past its deadline, and no cached answer to give: a clear 503, not a 500.
    return new DomainError('service_unavailable', 'The database is temporarily unavailable', {
      cause: err,
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
