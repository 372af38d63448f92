import { emptyGates, type FlagGates } from '../../../src/flags/gates';
import { attentionOf, byAttention } from '../../../src/console/rollout-attention';
import {
  planTransition,
  stageGates,
  stageOf,
  TEAM_GROUP,
} from '../../../src/console/rollout-stages';

const gates = (over: Partial<FlagGates>): FlagGates => ({ ...emptyGates(), ...over });
const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('rollout stages: going to a stage sets its gates and removes the others', () => {
  it.each([
    ['staging', gates({ actors: ['User:1', 'User:2'] })],
    ['team', gates({ featureGroups: [TEAM_GROUP] })],
    ['project', gates({ actors: ['Project:7'] })],
    ['percentage', gates({ percentageOfActors: 25 })],
    ['percentage', gates({ percentageOfTime: 50 })],
    ['everyone', gates({ boolean: true })],
    ['not_started', gates({})],
    ['mixed', gates({ actors: ['User:1'], percentageOfActors: 25 })],
    ['mixed', gates({ actors: ['Group:3'] })],
    ['mixed', gates({ featureGroups: ['other_group'] })],
  ])('stage %s from %j', (stage, g) => {
    expect(stageOf(g)).toBe(stage);
  });

  it('from the percentage stage to team members: the percentage is removed, the stage follows', () => {
    const before = gates({ percentageOfActors: 50 });
    const after = stageGates('team');
    const t = planTransition(before, after);
    expect(t).toMatchObject({ from: 'percentage', to: 'team' });
    expect(ids(t.set)).toEqual([`feature_group:${TEAM_GROUP}`]);
    expect(ids(t.removed)).toEqual(['percentage_of_actors:50']);
    expect(t.kept).toEqual([]);
    expect(stageOf(after)).toBe('team');
  });

  it('from a mix set by hand to a project: every gate but the project is listed as removed', () => {
    const before = gates({
      actors: ['User:1', 'Project:7'],
      featureGroups: [TEAM_GROUP],
      percentageOfTime: 10,
    });
    const t = planTransition(before, stageGates('project', { actors: ['Project:7'] }));
    expect(t.from).toBe('mixed');
    expect(t.set).toEqual([]);
    expect(ids(t.kept)).toEqual(['actor:Project:7']);
    expect(ids(t.removed)).toEqual([
      'actor:User:1',
      `feature_group:${TEAM_GROUP}`,
      'percentage_of_time:10',
    ]);
  });

  it('a new percentage replaces the old one; more test accounts keep the ones there', () => {
    const pct = planTransition(
      gates({ percentageOfActors: 10 }),
      stageGates('percentage', { percentage: 30 }),
    );
    expect([ids(pct.set), ids(pct.removed)]).toEqual([
      ['percentage_of_actors:30'],
      ['percentage_of_actors:10'],
    ]);
    const more = planTransition(
      gates({ actors: ['User:1'] }),
      stageGates('staging', { actors: ['User:1', 'User:2', 'User:2'] }),
    );
    expect([ids(more.set), ids(more.kept), more.removed]).toEqual([
      ['actor:User:2'],
      ['actor:User:1'],
      [],
    ]);
  });

  it('back from everyone to staging removes "on for everyone"', () => {
    const t = planTransition(
      gates({ boolean: true }),
      stageGates('staging', { actors: ['User:1'] }),
    );
    expect(t).toMatchObject({ from: 'everyone', to: 'staging' });
    expect(ids(t.removed)).toEqual(['boolean']);
  });
});

describe('which rollout needs attention', () => {
  const health = (requests: number, errors: number) => ({
    label: 'x',
    requests,
    errors,
    error_rate: errors / requests,
    p95_ms: 1,
  });

  it('a guard rollback first, then a failing beta, then a rollout in progress', () => {
    const list = byAttention([
      { flag: 'quiet', attention: attentionOf({ stage: 'not_started' }) },
      { flag: 'moving', attention: attentionOf({ stage: 'team' }) },
      {
        flag: 'failing',
        attention: attentionOf({
          stage: 'everyone',
          beta: health(26, 6),
          baseline: health(20, 0),
          maxErrorRateDelta: 0.05,
        }),
      },
      {
        flag: 'rolled',
        attention: attentionOf({
          stage: 'not_started',
          rollback: { at: '2026-12-08T00:00:00.000Z', reason: 'error rate 50% vs 0%' },
        }),
      },
    ]);
    expect(list.map((r) => [r.flag, r.attention?.level ?? null])).toEqual([
      ['rolled', 'rolled_back'],
      ['failing', 'unhealthy'],
      ['moving', 'in_progress'],
      ['quiet', null],
    ]);
    expect(list[1].attention?.reason).toMatch(/failed 6 of 26 \(23\.1% against 0\.0%/);
  });

  it('a beta within its allowed error rate delta is not unhealthy', () => {
    expect(
      attentionOf({
        stage: 'everyone',
        beta: health(100, 4),
        baseline: health(100, 1),
        maxErrorRateDelta: 0.05,
      }),
    ).toBeNull();
  });
});
