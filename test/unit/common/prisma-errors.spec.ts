import { Prisma } from '../../../src/generated/prisma/client';
import { answerFor } from '../../../src/common/errors/domain-error.filter';
import { clientErrorFromDatabase, mapPrismaError } from '../../../src/database/prisma-errors';

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
});
