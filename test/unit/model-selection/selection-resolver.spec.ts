import type {
  EffectiveSelection,
  SelectionScope,
} from '../../../src/model-selection/model-selection.service';
import { resolveSelection } from '../../../src/model-selection/selection-resolver';

const A = { id: 1, fullPath: 'acme' };
const B = { id: 2, fullPath: 'beta' };

/** Choices per scope: `g1` group 1, `i` the instance; absent: GitLab default. */
function viewOf(choices: Record<string, string>) {
  return (scope: SelectionScope): EffectiveSelection => {
    const ref = choices[scope.kind === 'group' ? `g${scope.groupId}` : 'i'];
    return {
      feature: 'code_completions',
      selected: ref ? { ref, name: ref } : null,
      defaultModel: { ref: 'dflt', name: 'dflt' },
      selectable: [],
      stale: false,
      effective: undefined,
      updatedAt: null,
    };
  };
}

type Row = [
  string,
  'saas' | 'self-managed',
  (typeof A)[],
  number | null,
  Record<string, string>,
  string | undefined,
  string | undefined,
];
const rows: Row[] = [
  [
    'self-managed: the instance',
    'self-managed',
    [A, B],
    null,
    { i: 'x', g1: 'y' },
    'x',
    'the instance',
  ],
  [
    'SaaS, one seat group: its choice',
    'saas',
    [A],
    null,
    { g1: 'y', i: 'x' },
    'y',
    'group acme (id 1)',
  ],
  [
    'SaaS, several groups, default namespace set: its choice',
    'saas',
    [A, B],
    2,
    { g1: 'y', g2: 'z' },
    'z',
    'group beta (id 2)',
  ],
  [
    'SaaS, several groups that agree: no default needed',
    'saas',
    [A, B],
    null,
    { g1: 'y', g2: 'y' },
    'y',
    'group acme (id 1)',
  ],
  ['SaaS, no seat: GitLab default', 'saas', [], null, { i: 'x' }, undefined, undefined],
  ['SaaS, one group on GitLab default', 'saas', [A], null, {}, undefined, undefined],
];

describe('whose model selection applies', () => {
  it.each(rows)('%s', (_n, realm, groups, def, choices, identifier, by) => {
    const r = resolveSelection({
      realm,
      seatGroups: groups,
      defaultNamespaceId: def,
      view: viewOf(choices),
    });
    if (identifier === undefined) expect(r).toEqual({ kind: 'none' });
    else expect(r).toEqual({ kind: 'selected', input: { identifier, by, stale: false } });
  });

  it("SaaS, several groups whose choices differ and no default namespace: GitLab's 422", () => {
    const view = viewOf({ g1: 'y' });
    const seatGroups = [A, B];
    expect(resolveSelection({ realm: 'saas', seatGroups, defaultNamespaceId: null, view })).toEqual(
      { kind: 'missing_default' },
    );
    // A default namespace that is not one of the seat groups does not help.
    expect(resolveSelection({ realm: 'saas', seatGroups, defaultNamespaceId: 99, view })).toEqual({
      kind: 'missing_default',
    });
  });
});
