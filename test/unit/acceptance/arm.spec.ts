import { armOf, betaFlagsOf, gateOf, servedModelOf } from '../../../src/acceptance/arm';
import { decideRoute } from '../../../src/routing/routing-policy';
import {
  breakersOpenFor,
  context,
  F,
  fakeFlags,
  FlagTable,
  GROUP_A,
  request,
  shippedCatalogue,
} from '../routing/routing-fakes';

const cat = shippedCatalogue();
const beta = betaFlagsOf(cat);

/** The arm of the real routing decision for a table of flags (the policy, not a hand-made one). */
const armFor = (
  flags: FlagTable,
  ctx = context(),
  breakers?: ReturnType<typeof breakersOpenFor>,
) => {
  const d = decideRoute(request(), ctx, fakeFlags(flags), cat, breakers);
  return { ...armOf(d, beta), model: servedModelOf(d) };
};

describe('armOf: the rollout arm of a routing decision', () => {
  it.each<[string, FlagTable, string, string | undefined, string]>([
    [
      'beta flag on: the beta arm, naming its flag',
      { user: [F.codestral] },
      `beta:${F.codestral}`,
      F.codestral,
      'codestral-2508-vertex',
    ],
    [
      'beta flag off: control of that flag',
      {},
      `control:${F.codestral}`,
      undefined,
      'codestral-2508-fireworks',
    ],
    [
      'opted out by a seat group: control',
      { user: [F.codestral], groups: { [F.optOut]: [GROUP_A] } },
      `control:${F.codestral}`,
      undefined,
      'codestral-2508-fireworks',
    ],
    [
      'manual failover: no beta rule consulted',
      { user: [F.failover] },
      'failover_manual',
      undefined,
      'claude-sonnet-4-5-fim',
    ],
  ])('%s', (_name, flags, arm, betaFlag, model) => {
    expect(armFor(flags)).toEqual({ arm, ...(betaFlag ? { betaFlag } : {}), model });
  });

  it('automatic failover (the picked model breaker open)', () => {
    const d = decideRoute(
      request(),
      context(),
      fakeFlags({}),
      cat,
      breakersOpenFor('fireworks_ai/codestral-2508'),
    );
    expect(armOf(d, beta).arm).toBe('failover_automatic');
  });

  it('a namespace selection is the selected arm, beta rules not consulted', () => {
    const ctx = context({ selection: { identifier: 'codestral_2508_vertex', by: 'group a' } });
    expect(armFor({ user: [F.v4] }, ctx)).toMatchObject({
      arm: 'selected',
      model: 'codestral-2508-vertex',
    });
  });

  it('a catalogue without beta rules serves the default arm', () => {
    expect(armOf(decideRoute(request(), context(), fakeFlags({}), cat), new Map()).arm).toBe(
      'default',
    );
  });
});

describe('gateOf', () => {
  it('keeps the gate an explained flag names; `none` for a flag seen on is the random gate', () => {
    expect(gateOf('actors')).toBe('actors');
    expect(gateOf('percentage_of_actors')).toBe('percentage_of_actors');
    expect(gateOf('none')).toBe('percentage_of_time');
  });
});
