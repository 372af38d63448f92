import { diffList } from '../../../src/flags/gate-diff';
import { applyGateChange } from '../../../src/flags/gate-changes';
import { emptyGates } from '../../../src/flags/gates';

const list = Array.from({ length: 10_000 }, (_, i) => `User:${1_000_000 + i}`);
const byValue = (before: string[], after: string[]) => ({
  removed: before.filter((v) => !after.includes(v)),
  added: after.filter((v) => !before.includes(v)),
});

describe('diffList (issue #27: a write costs the change)', () => {
  it('finds one actor added or removed by the Features API', () => {
    const gates = { ...emptyGates(), actors: list };
    const added = applyGateChange(gates, { kind: 'actors', enabled: true, actors: ['User:7'] });
    expect(diffList(list, added.actors)).toEqual({ removed: [], added: ['User:7'] });
    const removed = applyGateChange(gates, {
      kind: 'actors',
      enabled: false,
      actors: ['User:1005000'],
    });
    expect(removed.actors).toHaveLength(list.length - 1);
    expect(diffList(list, removed.actors)).toEqual({ removed: ['User:1005000'], added: [] });
  });

  it('an actor already listed is not added twice; one not listed is not "removed"', () => {
    const gates = { ...emptyGates(), actors: list };
    const again = applyGateChange(gates, {
      kind: 'actors',
      enabled: true,
      actors: ['User:1000003', 'User:1000003'],
    });
    expect(again.actors).toEqual(list);
    const many = Array.from({ length: 20 }, (_, i) => `User:${999_990 + i}`); // 10 new, 10 listed
    const bulk = applyGateChange(gates, { kind: 'actors', enabled: true, actors: many });
    expect(bulk.actors).toHaveLength(list.length + 10);
    expect(new Set(bulk.actors).size).toBe(bulk.actors.length);
    const none = applyGateChange(gates, { kind: 'actors', enabled: false, actors: ['User:1'] });
    expect(none.actors).toEqual(list);
    expect(gates.actors).toBe(list); // the old state is never changed in place
  });

  it('agrees with a diff by value for lists rebuilt in any order (console stages)', () => {
    const cases: Array<[string[], string[]]> = [
      [
        ['A', 'B', 'C'],
        ['C', 'B', 'A'],
      ],
      [
        ['A', 'B', 'C'],
        ['B', 'D', 'A'],
      ],
      [
        ['A', 'B'],
        ['A', 'B'],
      ],
      [[], ['A']],
      [['A'], []],
      [
        ['A', 'B', 'C', 'D'],
        ['B', 'D', 'E', 'A'],
      ],
      [
        ['A', 'B', 'C'],
        ['D', 'E'],
      ],
    ];
    for (const [before, after] of cases) {
      const d = diffList(before, after);
      expect({ removed: [...d.removed].sort(), added: [...d.added].sort() }).toEqual({
        removed: byValue(before, after).removed.sort(),
        added: byValue(before, after).added.sort(),
      });
    }
  });
});
