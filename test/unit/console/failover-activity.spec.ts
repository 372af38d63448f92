import { FailoverActivity } from '../../../src/console/failover-activity';

describe('FailoverActivity', () => {
  let t = 0;
  const activity = () => new FailoverActivity(() => t);
  const auto = (from: string) => ({
    mode: 'automatic' as const,
    trigger: 'breaker_open',
    fromModel: from,
    toModel: 'backup',
  });

  it('one episode from the first breaker leaving closed until the last one closes', () => {
    t = 1_000;
    const a = activity();
    a.failover(auto('m1')); // no breaker open: an isolated failed attempt is no episode
    expect(a.view().active).toBe(false);

    a.breakerChanged('p/m1', 'open');
    t = 2_000;
    a.failover(auto('m1'));
    a.breakerChanged('p/m2', 'open');
    a.failover(auto('m2'));
    a.failover({ ...auto('m2'), mode: 'manual', trigger: 'flag' }); // the flag is not automatic
    t = 3_000;
    a.breakerChanged('p/m1', 'half_open');
    a.breakerChanged('p/m1', 'closed'); // m2 still open: the episode goes on
    a.failover(auto('m2'));
    expect(a.view()).toEqual({
      active: true,
      since: new Date(1_000).toISOString(),
      breakers: [{ upstream: 'p/m2', state: 'open', since: new Date(2_000).toISOString() }],
      failed_over: 3,
      routes: [
        { from_model: 'm1', to_model: 'backup', trigger: 'breaker_open', count: 1 },
        { from_model: 'm2', to_model: 'backup', trigger: 'breaker_open', count: 2 },
      ],
    });

    a.breakerChanged('p/m2', 'closed');
    expect(a.view()).toEqual({
      active: false,
      since: null,
      breakers: [],
      failed_over: 0,
      routes: [],
    });
    t = 9_000;
    a.breakerChanged('p/m2', 'isolated'); // a new episode counts afresh
    expect(a.view()).toMatchObject({
      active: true,
      since: new Date(9_000).toISOString(),
      failed_over: 0,
    });
  });
});
