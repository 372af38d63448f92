import { DomainError } from '../../../src/common/errors/domain-error';
import { RoutingExplainService } from '../../../src/code-suggestions/routing-explain.service';

/**
 * Only the lookups matter here: the service must answer 400 for a user or project that does not
 * exist, and let every other failure (a database that is down) through as what it is.
 */
function serviceWith(getByUsername: () => Promise<unknown>, findByFullPath = async () => null) {
  const unused = {} as never;
  return new RoutingExplainService(
    { getByUsername } as never,
    { findByFullPath } as never,
    unused,
    unused,
    unused,
    unused,
    unused,
    unused,
    unused,
    unused,
    unused,
  );
}

describe('RoutingExplainService lookups', () => {
  it('an unknown user is a 400 naming the field', async () => {
    const svc = serviceWith(() => Promise.reject(DomainError.notFound('User')));
    await expect(svc.explain('ada')).rejects.toMatchObject({
      code: 'validation',
      message: "user 'ada' does not exist",
    });
  });

  it('a database failure is not turned into a 400', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const svc = serviceWith(() => Promise.reject(down));
    await expect(svc.explain('ada')).rejects.toBe(down);
    const unavailable = new DomainError('service_unavailable', 'database unavailable');
    await expect(serviceWith(() => Promise.reject(unavailable)).explain('ada')).rejects.toBe(
      unavailable,
    );
  });

  it('an unknown project path is a 400 naming the field', async () => {
    const svc = serviceWith(() => Promise.resolve({ id: 1, username: 'ada' }));
    await expect(svc.explain('ada', 'no/such')).rejects.toMatchObject({
      code: 'validation',
      message: "project_path 'no/such' does not exist",
    });
  });
});
