import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal';
import { DomainError } from '../common/errors/domain-error';
import type { GroupRecord } from '../identity/groups/groups.repository';
import { GroupsService } from '../identity/groups/groups.service';
import { actorOf } from '../identity/users/users.service';
import { ModelSelectionRepository } from './model-selection.repository';
import { EffectiveSelection, ModelSelectionService } from './model-selection.service';
import type { SelectableFeature } from './model-selection.types';

/** GitLab's access level of a group owner. */
const OWNER = 50;

/**
 * A top-level group's model selection as its owners (and administrators) see and change it.
 * A user who is not a member gets GitLab's 404 (the group's existence is not told); a member who
 * is not an owner a 403; a subgroup a 400 (selections are made on top-level groups only).
 */
@Injectable()
export class GroupFeatureSettingsService {
  constructor(
    private readonly groups: GroupsService,
    private readonly repo: ModelSelectionRepository,
    private readonly selections: ModelSelectionService,
  ) {}

  async list(
    idOrPath: string,
    p: Principal,
  ): Promise<{ group: GroupRecord; settings: EffectiveSelection[] }> {
    const group = await this.authorized(idOrPath, p);
    return { group, settings: this.selections.viewAll({ kind: 'group', groupId: group.id }) };
  }

  async update(
    idOrPath: string,
    features: readonly SelectableFeature[],
    ref: string | null,
    p: Principal,
  ): Promise<{ group: GroupRecord; settings: EffectiveSelection[] }> {
    const group = await this.authorized(idOrPath, p);
    const scope = { kind: 'group', groupId: group.id } as const;
    return { group, settings: await this.selections.update(scope, features, ref, actorOf(p)) };
  }

  /**
   * Every top-level group with a selection (admin console): the features it chose a model for,
   * stale ones included. Rows of a group deleted meanwhile are skipped (they go with it).
   */
  async withSelections(): Promise<Array<{ group: GroupRecord; settings: EffectiveSelection[] }>> {
    const chosen = new Map<number, EffectiveSelection[]>();
    for (const groupId of this.selections.groupIds()) {
      const settings = this.selections
        .viewAll({ kind: 'group', groupId })
        .filter((s) => s.selected !== null);
      if (settings.length > 0) chosen.set(groupId, settings);
    }
    const groups = await this.groups.findByIds([...chosen.keys()]);
    return groups
      .map((group) => ({ group, settings: chosen.get(group.id)! }))
      .sort((a, b) => a.group.fullPath.localeCompare(b.group.fullPath));
  }

  private async authorized(idOrPath: string, p: Principal): Promise<GroupRecord> {
    const group = await this.groups.resolve(idOrPath);
    if (!p.user.admin) {
      const level = await this.repo.accessLevel(group.id, p.user.id);
      if (level === null) throw DomainError.notFound('Group');
      if (level < OWNER)
        throw DomainError.forbidden(
          'only an owner of the group or an administrator can see and change its model selection',
        );
    }
    if (group.parentId !== null)
      throw DomainError.invalid(
        'group',
        "must be a top-level group (model selection is set on top-level groups; subgroups use their top-level group's)",
      );
    return group;
  }
}
