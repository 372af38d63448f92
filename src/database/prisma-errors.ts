import { Prisma } from '../generated/prisma/client';
import { DomainError } from '../common/errors/domain-error';

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

export function mapPrismaError(
  err: unknown,
  words: { conflict?: string; notFound?: string; foreignKey?: string },
): never {
  if (words.conflict && isUniqueViolation(err)) throw new DomainError('conflict', words.conflict);
  if (words.notFound && isNotFound(err)) throw DomainError.notFound(words.notFound);
  if (words.foreignKey && isForeignKeyViolation(err)) {
    throw new DomainError('conflict', words.foreignKey);
  }
  throw err;
}
