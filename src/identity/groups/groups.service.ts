import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '../../common/errors/domain-error';
import { CHANGE_BUS, type ChangeBus } from '../../common/fleet/change-bus';
import { AuditRepository } from '../../audit/audit.repository';
import { Transactions, Tx } from '../../database/transactions';
import type { Actor } from '../users/users.service';
import { UsersRepository } from '../users/users.repository';
import { ProjectsRepository } from '../projects/projects.repository';
import { isId } from '../../common/validation/params';
import { SeatsRepository } from '../seats/seats.repository';
import { GroupRecord, GroupsRepository, MemberRecord } from './groups.repository';

type PageWindow = { skip: number; take: number };

export interface GroupChanges {
  name?: string;
  duoFeaturesEnabled?: boolean;
  directCodeSuggestionsEnabled?: boolean;
}

@Injectable()
export class GroupsService {
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly groups: GroupsRepository,
    private readonly users: UsersRepository,
    private readonly audit: AuditRepository,
    private readonly projects: ProjectsRepository,
    private readonly seats: SeatsRepository,
    private readonly transactions: Transactions,
    @Inject(CHANGE_BUS) private readonly bus: ChangeBus,
  ) {
    // Another process changed groups: its caches were told; tell ours.
    bus.subscribe('groups.changed', () => this.listeners.forEach((l) => l()));
  }

  /** Seat, routing and flag-subject caches subscribe so group creation and setting changes apply
   * at once here, and in the other processes through the change bus. */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Tell every cache (here and in the other processes) that groups or their members changed. */
  changed(): void {
    for (const l of this.listeners) l();
    this.bus.publish('groups.changed', {});
  }

  async create(
    input: { name: string; path: string; parentId?: number },
    actor: Actor,
  ): Promise<GroupRecord> {
    let fullPath = input.path;
    if (input.parentId !== undefined) {
      const parent = await this.groups.findById(input.parentId);
      if (!parent) throw DomainError.invalid('parent_id', 'does not exist');
      fullPath = `${parent.fullPath}/${input.path}`;
    }
    // Groups and projects share one path space (`acme/widgets` is either, never both).
    if (
      (await this.groups.findByFullPath(fullPath)) ||
      (await this.projects.findByFullPath(fullPath))
    ) {
      throw DomainError.invalid('path', 'has already been taken');
    }
    const created = await this.transactions.run(async (tx) => {
      const group = await this.groups.create(
        { ...input, parentId: input.parentId ?? null, fullPath },
        tx,
      );
      await this.record(tx, actor, 'group_created', group.id, undefined, {
        full_path: group.fullPath,
      });
      return group;
    });
    // After the commit: caches that remember a path as absent (the team group) must forget it.
    for (const l of this.listeners) l();
    this.bus.publish('groups.changed', {});
    return created;
  }

  async get(id: number): Promise<GroupRecord> {
    const group = await this.groups.findById(id);
    if (!group) throw DomainError.notFound('Group');
    return group;
  }

  /** The groups of those ids that still exist (one query). */
  findByIds(ids: readonly number[]): Promise<GroupRecord[]> {
    return this.groups.findByIds(ids);
  }

  /** By numeric id or by full path (`acme/sub`, URL-decoded), as GitLab's `:id` takes both. */
  async resolve(idOrPath: string): Promise<GroupRecord> {
    // Digits only: an id, which must fit an int4 (a top-level group path is never all digits here).
    if (/^\d+$/.test(idOrPath) && !isId(idOrPath)) throw DomainError.invalid('id', 'is invalid');
    const group = /^\d+$/.test(idOrPath)
      ? await this.groups.findById(Number(idOrPath))
      : await this.groups.findByFullPath(idOrPath);
    if (!group) throw DomainError.notFound('Group');
    return group;
  }

  findPage(
    search: string | undefined,
    page: PageWindow,
  ): Promise<{ items: GroupRecord[]; total: number }> {
    return this.groups.findPage(search, page);
  }

  async members(
    idOrPath: string,
    search: string | undefined,
    page: PageWindow,
  ): Promise<{ items: MemberRecord[]; total: number }> {
    const group = await this.resolve(idOrPath);
    return this.groups.findMembersPage(group.id, search, page);
  }

  async update(id: number, changes: GroupChanges, actor: Actor): Promise<GroupRecord> {
    const before = await this.get(id);
    const after = await this.transactions.run(async (tx) => {
      const updated = await this.groups.update(id, changes, tx);
      await this.record(tx, actor, 'group_updated', id, settingsOf(before), settingsOf(updated));
      return updated;
    });
    for (const l of this.listeners) l();
    this.bus.publish('groups.changed', {});
    return after;
  }

  async addMember(
    groupId: number,
    userId: number,
    accessLevel: number,
    actor: Actor,
  ): Promise<MemberRecord> {
    await this.get(groupId);
    if (!(await this.users.findById(userId)))
      throw DomainError.invalid('user_id', 'does not exist');
    await this.transactions.run(async (tx) => {
      await this.groups.addMember(groupId, userId, accessLevel, tx);
      await this.record(tx, actor, 'group_member_added', groupId, undefined, {
        user_id: userId,
        access_level: accessLevel,
      });
    });
    this.changed();
    const member = await this.groups.findMember(groupId, userId);
    if (!member) throw DomainError.notFound('Member');
    return member;
  }

  async member(idOrPath: string, userId: number): Promise<MemberRecord> {
    const group = await this.resolve(idOrPath);
    const member = await this.groups.findMember(group.id, userId);
    if (!member) throw DomainError.notFound('Member');
    return member;
  }

  /** GitLab's `members/all`: the group's members and those inherited from the groups above. */
  async inheritedMembers(
    idOrPath: string,
    userId: number | undefined,
    page: PageWindow,
  ): Promise<{ items: MemberRecord[]; total: number }> {
    const group = await this.resolve(idOrPath);
    return this.groups.findInheritedMembersPage(group, userId, page);
  }

  async subgroups(
    idOrPath: string,
    search: string | undefined,
    page: PageWindow,
  ): Promise<{ items: GroupRecord[]; total: number }> {
    const group = await this.resolve(idOrPath);
    return this.groups.findChildrenPage(group.id, search, page);
  }

  /** The group and, with `includeSubgroups`, every group below it (for its projects list). */
  async scope(idOrPath: string, includeSubgroups: boolean): Promise<number[]> {
    const group = await this.resolve(idOrPath);
    return includeSubgroups ? (await this.groups.subtree(group)).map((g) => g.id) : [group.id];
  }

  async updateMember(
    idOrPath: string,
    userId: number,
    accessLevel: number,
    actor: Actor,
  ): Promise<MemberRecord> {
    const before = await this.member(idOrPath, userId);
    const group = await this.resolve(idOrPath);
    await this.transactions.run(async (tx) => {
      await this.groups.updateMember(group.id, userId, accessLevel, tx);
      await this.record(
        tx,
        actor,
        'group_member_updated',
        group.id,
        { user_id: userId, access_level: before.accessLevel },
        { user_id: userId, access_level: accessLevel },
      );
    });
    this.changed();
    return { ...before, accessLevel };
  }

  /**
   * Removes a direct member (offboarding). Seats the user held on add-on purchases of this group
   * or a group above it end too when the user is left with no membership in that purchase's
   * group hierarchy (as GitLab's seat clean-up does), each audited.
   */
  async removeMember(idOrPath: string, userId: number, actor: Actor): Promise<void> {
    const member = await this.member(idOrPath, userId);
    const group = await this.resolve(idOrPath);
    await this.transactions.run(async (tx) => {
      await this.groups.removeMember(group.id, userId, tx);
      await this.record(
        tx,
        actor,
        'group_member_removed',
        group.id,
        {
          user_id: userId,
          access_level: member.accessLevel,
        },
        undefined,
      );
    });
    await this.endSeatsWithoutMembership(group, userId, actor);
    this.changed();
  }

  /**
   * After a membership in `group` (or a project in it) ended: seats the user holds on purchases
   * of this group or one above it end when no membership in that purchase's hierarchy is left.
   */
  async endSeatsWithoutMembership(group: GroupRecord, userId: number, actor: Actor) {
    const ancestors = await this.groups.ancestorsOrSelf(group);
    const held = (await this.seats.purchasesOfGroups(ancestors.map((g) => g.id))).filter((p) =>
      p.userIds.includes(userId),
    );
    for (const purchase of held) {
      const owner = ancestors.find((g) => g.id === purchase.groupId);
      if (!owner || (await this.groups.isMemberOfHierarchy(owner, userId))) continue;
      await this.transactions.run(async (tx) => {
        if (!(await this.seats.removeSeat(purchase.id, userId, tx))) return;
        await this.audit.recordChange(tx, actor, {
          targetType: 'AddOnPurchase',
          action: 'seat_unassigned',
          id: purchase.id,
          before: { user_id: userId },
          after: { reason: `no longer a member of ${owner.fullPath}` },
        });
      });
    }
  }

  private record(
    tx: Tx,
    actor: Actor,
    action: string,
    id: number,
    before: unknown,
    after: unknown,
  ) {
    return this.audit.recordChange(tx, actor, { targetType: 'Group', action, id, before, after });
  }
}

const settingsOf = (g: GroupRecord) => ({
  name: g.name,
  duo_features_enabled: g.duoFeaturesEnabled,
  direct_code_suggestions_enabled: g.directCodeSuggestionsEnabled,
});
