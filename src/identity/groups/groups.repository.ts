import { Injectable } from '@nestjs/common';
import { PrismaService } from '../../database/prisma.service';
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

  /** Case-insensitive equality through lower(), never ILIKE: `%` and `_` are plain text here. */
  async findByFullPath(fullPath: string): Promise<GroupRecord | null> {
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM namespaces WHERE lower(full_path) = lower(${fullPath}) ORDER BY id LIMIT 1`;
    return rows.length ? this.findById(rows[0].id) : null;
  }

  list(limit: number): Promise<GroupRecord[]> {
    return this.prisma.group.findMany({ orderBy: { id: 'asc' }, take: limit });
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
}
