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
