import {
  armsOf,
  judgeAcceptance,
  type AcceptanceRow,
} from '../../../src/resilience/acceptance-guard';

const FLAG = 'code_completion_model_x';
const row = (
  arm: string,
  gate: string | null,
  shown: number,
  accepted: number,
  model = 'm',
): AcceptanceRow => ({ model, arm, gate, shown, accepted, rejected: shown - accepted });

describe('armsOf', () => {
  it.each<[string, AcceptanceRow[], { beta: number[]; control: number[] }]>([
    ['nothing yet', [], { beta: [0, 0], control: [0, 0] }],
    [
      'beta by percentage against the control',
      [
        row(`beta:${FLAG}`, 'percentage_of_actors', 100, 30),
        row(`control:${FLAG}`, null, 400, 120),
      ],
      { beta: [100, 30], control: [400, 120] },
    ],
    [
      'both percentage gates count, summed over models and languages',
      [
        row(`beta:${FLAG}`, 'percentage_of_actors', 100, 30, 'a'),
        row(`beta:${FLAG}`, 'percentage_of_time', 50, 10, 'b'),
        row(`control:${FLAG}`, null, 400, 120, 'default'),
        row(`control:${FLAG}`, null, 100, 20, 'other'),
      ],
      { beta: [150, 40], control: [500, 140] },
    ],
    [
      'users put on the beta by name are not a random draw: left out',
      [
        row(`beta:${FLAG}`, 'actors', 1000, 900),
        row(`beta:${FLAG}`, 'groups', 1000, 900),
        row(`beta:${FLAG}`, 'boolean', 1000, 900),
        row(`beta:${FLAG}`, null, 1000, 900),
        row(`beta:${FLAG}`, 'percentage_of_actors', 10, 1),
      ],
      { beta: [10, 1], control: [0, 0] },
    ],
    [
      'other rules, other arms: not this rollout',
      [
        row('beta:another_flag', 'percentage_of_actors', 100, 30),
        row('control:another_flag', null, 100, 30),
        row('default', null, 100, 30),
        row('selected', null, 100, 30),
        row('failover_automatic', null, 100, 30),
        row('unknown', null, 100, 30),
      ],
      { beta: [0, 0], control: [0, 0] },
    ],
  ])('%s', (_name, rows, want) => {
    const { beta, control } = armsOf(rows, FLAG);
    expect([beta.shown, beta.accepted]).toEqual(want.beta);
    expect([control.shown, control.accepted]).toEqual(want.control);
  });
});

describe('judgeAcceptance', () => {
  const limits = { minShown: 200, maxDrop: 0.05, alpha: 0.05 };
  const since = Date.parse('2026-12-08T00:00:00Z');

  it('harm: the numbers for the audit reason and the console', () => {
    const { verdict, status } = judgeAcceptance(
      FLAG,
      since,
      [
        row(`beta:${FLAG}`, 'percentage_of_actors', 400, 40),
        row(`control:${FLAG}`, null, 1600, 480),
      ],
      limits,
    );
    expect(verdict.kind).toBe('harm');
    expect(status).toMatchObject({
      flag: FLAG,
      since: '2026-12-08T00:00:00.000Z',
      verdict: 'harm',
      beta: { shown: 400, accepted: 40, rate: 0.1 },
      control: { shown: 1600, accepted: 480, rate: 0.3 },
      limits: { min_shown: 200, max_drop: 0.05, alpha: 0.05 },
    });
    expect(status.drop!.low).toBeGreaterThan(0.05);
    expect(status.beta.interval!.high).toBeLessThan(status.control.interval!.low);
    expect(status.summary).toMatch(/^acceptance 10\.0% vs 30\.0% control/);
  });

  it('collecting: no interval for the drop yet, no rate without suggestions', () => {
    const { status } = judgeAcceptance(FLAG, since, [row(`control:${FLAG}`, null, 50, 10)], limits);
    expect(status).toMatchObject({
      verdict: 'collecting',
      drop: null,
      beta: { shown: 0, rate: null, interval: null },
      control: { shown: 50, rate: 0.2 },
    });
  });
});
