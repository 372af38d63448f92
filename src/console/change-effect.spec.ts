import { emptyGates, type FeatureState } from '../flags/gates';
import { countOn, effectSentence, type PreviewSubject } from './change-effect';

const users: PreviewSubject[] = [
  { userId: 1, seatGroupIds: [10], teamMember: false },
  { userId: 2, seatGroupIds: [10], teamMember: true },
  { userId: 3, seatGroupIds: [20], teamMember: false },
];
const flag = (gates: Partial<FeatureState['gates']>, persisted = true): FeatureState => ({
  name: 'f',
  persisted,
  gates: { ...emptyGates(), ...gates },
});

describe('countOn: the seated users a flag state is on for on every request', () => {
  it.each([
    ['never set, default off', flag({}, false), false, 0],
    ['never set, default on', flag({}, false), true, 3],
    ['set off for everyone, default on', flag({}), true, 0],
    ['a user', flag({ actors: ['User:3'] }), false, 1],
    ['a seat group', flag({ actors: ['Group:10'] }), false, 2],
    ['the team', flag({ featureGroups: ['gitlab_team_members'] }), false, 1],
    ['a project only (per request)', flag({ actors: ['Project:5'] }), false, 0],
    ['a percentage of time only (per request)', flag({ percentageOfTime: 100 }), false, 0],
    ['a sticky 100 %', flag({ percentageOfActors: 100 }), false, 3],
    ['on for everyone', flag({ boolean: true }), false, 3],
  ])('%s', (_what, state, fallback, expected) => {
    expect(countOn(state, users, fallback)).toBe(expected);
  });
});

describe('effectSentence', () => {
  const base = {
    seated: 3,
    onBefore: 0,
    onAfter: 0,
    percentageOfTime: 0,
    unseated: [],
    instance: false,
    defaultEnabled: false,
  };
  it.each([
    [{ onAfter: 1 }, 'on for 1 of the 3 users with a seat (was 0)'],
    [{ onAfter: 3, onBefore: 3 }, 'on for all 3 users with a seat (unchanged)'],
    [
      { unseated: ['alice', 'bob'] },
      'on for none of the 3 users with a seat (unchanged); alice, bob have no seat (no suggestions either way)',
    ],
    [
      { toDefault: true, onBefore: 3, defaultEnabled: true, onAfter: 3 },
      'back to the default (on): on for all 3 users with a seat (unchanged)',
    ],
    [
      { percentageOfTime: 20, onAfter: 1 },
      'on for 1 of the 3 users with a seat (was 0); and 20% of the requests of the others, chosen per request',
    ],
  ])('%j', (facts, sentence) => {
    expect(effectSentence({ ...base, ...facts })).toBe(sentence);
  });
});
