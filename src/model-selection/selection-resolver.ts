import { Injectable } from '@nestjs/common';
import { DomainError } from '../common/errors/domain-error';
import type { ModelSelectionInput } from '../routing/routing.types';
import { DuoDefaultNamespaceService } from './duo-default-namespace.service';
import {
  EffectiveSelection,
  ModelSelectionService,
  SelectionScope,
} from './model-selection.service';
import type { SelectableFeature } from './model-selection.types';

/** GitLab's words (ee/lib/api/code_suggestions.rb), so IDEs show their own hint. */
export const MISSING_DEFAULT_DUO_GROUP_MESSAGE =
  "I'm sorry, you have not selected a default GitLab Duo namespace. " +
  'Please go to GitLab and in user Preferences - Behavior, select a default namespace for GitLab Duo.';

export interface SeatGroupRef {
  readonly id: number;
  readonly fullPath: string;
}

export type SelectionResolution =
  { kind: 'none' } | { kind: 'selected'; input: ModelSelectionInput } | { kind: 'missing_default' };

/**
 * Whose choice applies, in this order: self-managed → the instance's; SaaS → the seat group's
 * when the user has seats in one top-level group; with seats in several, the default Duo
 * namespace's when it is one of them; otherwise, when those groups' choices differ, GitLab's 422
 * (when they agree there is nothing to choose between). No seat: GitLab default.
 */
export function resolveSelection(args: {
  realm: 'saas' | 'self-managed';
  seatGroups: readonly SeatGroupRef[];
  defaultNamespaceId: number | null;
  view: (scope: SelectionScope) => EffectiveSelection;
}): SelectionResolution {
  const of = (s: EffectiveSelection, by: string): SelectionResolution =>
    s.selected
      ? { kind: 'selected', input: { identifier: s.selected.ref, by, stale: s.stale } }
      : { kind: 'none' };
  if (args.realm === 'self-managed') return of(args.view({ kind: 'instance' }), 'the instance');
  const groups = args.seatGroups;
  const byGroup = (g: SeatGroupRef) =>
    of(args.view({ kind: 'group', groupId: g.id }), `group ${g.fullPath} (id ${g.id})`);
  if (groups.length === 0) return { kind: 'none' };
  if (groups.length === 1) return byGroup(groups[0]);
  const chosen = groups.find((g) => g.id === args.defaultNamespaceId);
  if (chosen) return byGroup(chosen);
  const refs = new Set(
    groups.map((g) => args.view({ kind: 'group', groupId: g.id }).selected?.ref ?? null),
  );
  return refs.size === 1 ? byGroup(groups[0]) : { kind: 'missing_default' };
}

/** The selection routing takes for one user; the 422 when it cannot tell which group's. */
@Injectable()
export class SelectionResolverService {
  constructor(
    private readonly selections: ModelSelectionService,
    private readonly defaults: DuoDefaultNamespaceService,
  ) {}

  async forUser(
    userId: number,
    seatGroups: readonly SeatGroupRef[],
    realm: 'saas' | 'self-managed',
    feature: SelectableFeature = 'code_completions',
  ): Promise<ModelSelectionInput | undefined> {
    const defaultNamespaceId =
      realm === 'saas' && seatGroups.length > 1 ? await this.defaults.get(userId) : null;
    const r = resolveSelection({
      realm,
      seatGroups,
      defaultNamespaceId,
      view: (scope) => this.selections.view(scope, feature),
    });
    switch (r.kind) {
      case 'none':
        return undefined;
      case 'selected':
        return r.input;
      case 'missing_default':
        throw new DomainError('missing_default_duo_group', MISSING_DEFAULT_DUO_GROUP_MESSAGE);
    }
  }
}
