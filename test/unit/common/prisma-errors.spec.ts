import { Prisma } from '../../../src/generated/prisma/client';
import type { ArgumentsHost } from '@nestjs/common';
import {
  answerFor,
  DomainErrorFilter,
  ERROR_TRANSLATOR,
} from '../../../src/common/errors/domain-error.filter';
import type { DatabaseConnection } from '../../../src/database/database-connection';
import { DatabaseModule } from '../../../src/database/database.module';
import { clientErrorFromDatabase, mapPrismaError } from '../../../src/database/prisma-errors';

/** What the filter sends for `err`, through a minimal Fastify reply. */
function filtered(filter: DomainErrorFilter, err: unknown) {
  const sent: { status?: number; body?: unknown } = {};
  const reply = {
    sent: false,
    raw: { headersSent: false },
    header: () => reply,
    status: (s: number) => ((sent.status = s), reply),
    send: (b: unknown) => ((sent.body = b), reply),
  };
  const host = {
    switchToHttp: () => ({
      getResponse: () => reply,
      getRequest: () => ({ id: 'req-1', method: 'GET', url: '/x' }),
    }),
  } as unknown as ArgumentsHost;
  filter.catch(err, host);
  return sent;
}

// The backstop behind input validation: a number PostgreSQL cannot hold is the client's 400.
describe('database numeric-range errors', () => {
  const outOfRange = new Prisma.PrismaClientKnownRequestError(
    'value "99999999999" is out of range for type integer',
    { code: 'P2020', clientVersion: 'test' },
  );
  const adapterError = Object.assign(new Error('out of range'), {
    name: 'DriverAdapterError',
    cause: { originalCode: '22003', kind: 'ValueOutOfRange' },
  });

  it.each([
    ['Prisma P2020', outOfRange],
    ['driver adapter 22003', adapterError],
  ])('%s becomes a 400 validation error', (_name, err) => {
    const domain = clientErrorFromDatabase(err);
    expect(domain?.code).toBe('validation');
    expect(answerFor(domain!)).toEqual({
      status: 400,
      body: { error: 'a number in the request is out of range' },
    });
    expect(() => mapPrismaError(err, { conflict: 'x' })).toThrow(domain!.message);
  });

  it('leaves other errors alone', () => {
    const other = new Prisma.PrismaClientKnownRequestError('x', {
      code: 'P2002',
      clientVersion: 'test',
    });
    expect(clientErrorFromDatabase(other)).toBeUndefined();
    expect(clientErrorFromDatabase(new Error('boom'))).toBeUndefined();
    expect(clientErrorFromDatabase(null)).toBeUndefined();
  });

  it('reaches the error filter through the translator the database module provides (common/ imports no database code)', () => {
    const providers = DatabaseModule.forConnection({} as DatabaseConnection).providers ?? [];
    expect(providers).toContainEqual({
      provide: ERROR_TRANSLATOR,
      useValue: clientErrorFromDatabase,
    });
    expect(filtered(new DomainErrorFilter(clientErrorFromDatabase), outOfRange)).toEqual({
      status: 400,
      body: { error: 'a number in the request is out of range' },
    });
    expect(filtered(new DomainErrorFilter(), outOfRange).status).toBe(500);
  });
});

// A database that cannot be reached is a 503 whichever way Prisma wraps the driver's error
// (POST /users answered 500: its raw query's P2010 carried DatabaseNotReachable).
describe('database unreachable errors', () => {
  const adapter = (cause: Record<string, unknown>) =>
    Object.assign(new Error('driver adapter error'), { name: 'DriverAdapterError', cause });
  const known = (code: string, cause: Record<string, unknown>) =>
    new Prisma.PrismaClientKnownRequestError(`Raw query failed (${code})`, {
      code,
      clientVersion: 'test',
      meta: { driverAdapterError: adapter(cause) },
    });

  it.each([
    ['raw query, refused', known('P2010', { kind: 'DatabaseNotReachable' })],
    ['raw query, reset', known('P2010', { kind: 'ConnectionClosed' })],
    ['raw query, shutting down', known('P2010', { kind: 'postgres', originalCode: '57P03' })],
    ['query, terminated', known('P2039', { kind: 'postgres', originalCode: '57P01' })],
    ['query, connection failure', known('P2039', { kind: 'postgres', originalCode: '08006' })],
    ['too many connections', known('P2010', { kind: 'TooManyConnections' })],
    ['unwrapped adapter error', adapter({ kind: 'SocketTimeout' })],
    [
      'Prisma P1001',
      new Prisma.PrismaClientKnownRequestError('x', { code: 'P1001', clientVersion: 't' }),
    ],
    [
      'pg DatabaseError',
      Object.assign(new Error('the database system is shutting down'), {
        code: '57P03',
        severity: 'FATAL',
      }),
    ],
    ['pg-pool', new Error('Connection terminated unexpectedly')],
    [
      'pg-pool connect timeout (a hung server)',
      new Error('Connection terminated due to connection timeout'),
    ],
  ])('%s is a 503', (_name, err) => {
    const domain = clientErrorFromDatabase(err);
    expect(domain?.code).toBe('service_unavailable');
    expect(answerFor(domain!)).toEqual({
      status: 503,
      body: { message: 'The database is temporarily unavailable' },
    });
  });

  it.each([
    [
      'a unique violation in a raw query',
      known('P2010', { kind: 'UniqueConstraintViolation', originalCode: '23505' }),
    ],
    ['a syntax error', known('P2010', { kind: 'postgres', originalCode: '42601' })],
    [
      'a plain error with a 57P code but no severity',
      Object.assign(new Error('x'), { code: '57P01' }),
    ],
  ])('%s is not', (_name, err) => {
    expect(clientErrorFromDatabase(err)).toBeUndefined();
  });
});
