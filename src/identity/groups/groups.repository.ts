import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { containsText } from '../../database/like-pattern';
import { PrismaService } from '../../database/prisma.service';
import type { UserRecord } from '../users/users.repository';
import { mapPrismaError } from '../../database/prisma-errors';
import type { Tx } from '../../database/transactions';

export interface GroupRecord {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  parentId: number | null;
  duoFeaturesEnabled: boolean;
  directCodeSuggestionsEnabled: boolean;
  createdAt: Date;
}

export interface MemberRecord {
  user: UserRecord;
  accessLevel: number;
  createdAt: Date;
}

type PageWindow = { skip: number; take: number };

@Injectable()
export class GroupsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(
    data: {
      name: string;
      path: string;
      fullPath: string;
      parentId: number | null;
    },
    tx?: Tx,
  ): Promise<GroupRecord> {
    return (tx ?? this.prisma).group
      .create({ data })
      .catch((err: unknown) => mapPrismaError(err, { conflict: 'path has already been taken' }));
  }

  findById(id: number): Promise<GroupRecord | null> {
    return this.prisma.group.findUnique({ where: { id } });
  }

  /** The groups of those ids that exist, in no particular order: one query for many. */
  findByIds(ids: readonly number[]): Promise<GroupRecord[]> {
    return this.prisma.group.findMany({ where: { id: { in: [...ids] } } });
  }

  /** Case-insensitive equality through lower(), never ILIKE: `%` and `_` are plain text here. */
  async findByFullPath(fullPath: string): Promise<GroupRecord | null> {
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM namespaces WHERE lower(full_path) = lower(${fullPath}) ORDER BY id LIMIT 1`;
    return rows.length ? this.findById(rows[0].id) : null;
  }

  list(limit: number): Promise<GroupRecord[]> {
    return this.prisma.group.findMany({ orderBy: { id: 'asc' }, take: limit });
  }

  /** One page of the groups whose name or full path holds `search` (any case), by id. */
  async findPage(
    search: string | undefined,
    page: PageWindow,
  ): Promise<{ items: GroupRecord[]; total: number }> {
    const contains = containsText(search ?? '');
    const where: Prisma.GroupWhereInput =
      search === undefined ? {} : { OR: [{ name: contains }, { fullPath: contains }] };
    const [items, total] = await Promise.all([
      this.prisma.group.findMany({
        where,
        orderBy: { id: 'asc' },
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.group.count({ where }),
    ]);
    return { items, total };
  }

  /** Direct members of a group, by user id; `search` in username or name. */
  async findMembersPage(
    groupId: number,
    search: string | undefined,
    page: PageWindow,
  ): Promise<{ items: MemberRecord[]; total: number }> {
    const contains = containsText(search ?? '');
    const where: Prisma.GroupMemberWhereInput = {
      groupId,
      ...(search === undefined
        ? {}
        : { user: { OR: [{ username: contains }, { name: contains }] } }),
    };
    const [rows, total] = await Promise.all([
      this.prisma.groupMember.findMany({
        where,
        include: { user: true },
        orderBy: { userId: 'asc' },
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.groupMember.count({ where }),
    ]);
    return {
      items: rows.map((r) => ({
        user: r.user,
        accessLevel: r.accessLevel,
        createdAt: r.createdAt,
      })),
      total,
    };
  }

  update(
    id: number,
    data: { name?: string; duoFeaturesEnabled?: boolean; directCodeSuggestionsEnabled?: boolean },
    tx?: Tx,
  ): Promise<GroupRecord> {
    return (tx ?? this.prisma).group.update({ where: { id }, data });
  }

  async addMember(groupId: number, userId: number, accessLevel: number, tx?: Tx): Promise<void> {
    await (tx ?? this.prisma).groupMember
      .create({ data: { groupId, userId, accessLevel } })
      .catch((err: unknown) => mapPrismaError(err, { conflict: 'Member already exists' }));
  }

  /**
   * Member of the group itself, of a subgroup, or of a project anywhere below it. "Below" is a
   * plain prefix comparison (left(full_path, n) = path + '/'), not LIKE: a `_` in a path is not a wildcard.
   */
  async isMemberOfHierarchy(group: GroupRecord, userId: number): Promise<boolean> {
    const p = group.fullPath;
    const below = `${p}/`;
    const rows = await this.prisma.$queryRaw<unknown[]>`
      SELECT 1 FROM group_members m JOIN namespaces n ON n.id = m.group_id
       WHERE m.user_id = ${userId}
         AND (n.full_path = ${p} OR left(n.full_path, char_length(${below}::text)) = ${below})
      UNION ALL
      SELECT 1 FROM project_members m JOIN projects pr ON pr.id = m.project_id
        JOIN namespaces n ON n.id = pr.group_id
       WHERE m.user_id = ${userId}
         AND (n.full_path = ${p} OR left(n.full_path, char_length(${below}::text)) = ${below})
      LIMIT 1`;
    return rows.length > 0;
  }

  /** Ids of every group the user belongs to directly. */
  async memberGroupIds(userId: number): Promise<number[]> {
    const rows = await this.prisma.groupMember.findMany({
      where: { userId },
      select: { groupId: true },
    });
    return rows.map((r) => r.groupId);
  }

  /** The group and every group below it, deepest first (the order they can be deleted in). */
  async subtree(group: GroupRecord): Promise<GroupRecord[]> {
    const below = `${group.fullPath}/`;
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM namespaces
       WHERE id = ${group.id} OR left(full_path, char_length(${below}::text)) = ${below}`;
    const groups = await this.findByIds(rows.map((r) => r.id));
    return groups.sort((a, b) => depth(b) - depth(a) || b.id - a.id);
  }

  /** The group and every group above it, top first. */
  ancestorsOrSelf(group: GroupRecord): Promise<GroupRecord[]> {
    const parts = group.fullPath.split('/');
    const paths = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    return this.prisma.group
      .findMany({ where: { fullPath: { in: paths } } })
      .then((gs) => gs.sort((a, b) => depth(a) - depth(b)));
  }

  /** Direct subgroups of a group, by id; `search` in name or path. */
  async findChildrenPage(
    parentId: number,
    search: string | undefined,
    page: PageWindow,
  ): Promise<{ items: GroupRecord[]; total: number }> {
    const contains = containsText(search ?? '');
    const where: Prisma.GroupWhereInput = {
      parentId,
      ...(search === undefined ? {} : { OR: [{ name: contains }, { path: contains }] }),
    };
    const [items, total] = await Promise.all([
      this.prisma.group.findMany({
        where,
        orderBy: { id: 'asc' },
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.group.count({ where }),
    ]);
    return { items, total };
  }

  /** One direct member, or null. */
  async findMember(groupId: number, userId: number): Promise<MemberRecord | null> {
    const row = await this.prisma.groupMember.findUnique({
      where: { groupId_userId: { groupId, userId } },
      include: { user: true },
    });
    return row && { user: row.user, accessLevel: row.accessLevel, createdAt: row.createdAt };
  }

  async updateMember(groupId: number, userId: number, accessLevel: number, tx?: Tx): Promise<void> {
    await (tx ?? this.prisma).groupMember
      .update({ where: { groupId_userId: { groupId, userId } }, data: { accessLevel } })
      .catch((err: unknown) => mapPrismaError(err, { notFound: 'Member' }));
  }

  async removeMember(groupId: number, userId: number, tx?: Tx): Promise<void> {
    await (tx ?? this.prisma).groupMember
      .delete({ where: { groupId_userId: { groupId, userId } } })
      .catch((err: unknown) => mapPrismaError(err, { notFound: 'Member' }));
  }

  /**
   * Members of the group and of every group above it (GitLab's `members/all`), one row per user
   * with the highest access level among them, by user id.
   */
  async findInheritedMembersPage(
    group: GroupRecord,
    userId: number | undefined,
    page: PageWindow,
  ): Promise<{ items: MemberRecord[]; total: number }> {
    const parts = group.fullPath.split('/');
    const paths = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    const rows = await this.prisma.groupMember.findMany({
      where: { group: { fullPath: { in: paths } }, ...(userId === undefined ? {} : { userId }) },
      include: { user: true },
      orderBy: [{ userId: 'asc' }, { accessLevel: 'desc' }],
    });
    const best = new Map<number, MemberRecord>();
    for (const r of rows) {
      if (!best.has(r.userId)) {
        best.set(r.userId, { user: r.user, accessLevel: r.accessLevel, createdAt: r.createdAt });
      }
    }
    const all = [...best.values()];
    return { items: all.slice(page.skip, page.skip + page.take), total: all.length };
  }

  /** Deletes groups given deepest first; members, purchases and seats go with them (CASCADE). */
  async deleteGroups(groups: GroupRecord[], tx: Tx): Promise<void> {
    for (const g of groups) await tx.group.delete({ where: { id: g.id } });
  }
}

const depth = (g: GroupRecord) => g.fullPath.split('/').length;
