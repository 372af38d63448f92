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

  findByFullPath(fullPath: string): Promise<GroupRecord | null> {
    return this.prisma.group.findFirst({
      where: { fullPath: { equals: fullPath, mode: 'insensitive' } },
    });
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

  /** Member of the group itself, of a subgroup, or of a project anywhere below it. */
  async isMemberOfHierarchy(group: GroupRecord, userId: number): Promise<boolean> {
    const below = {
      OR: [{ fullPath: group.fullPath }, { fullPath: { startsWith: `${group.fullPath}/` } }],
    };
    const viaGroup = await this.prisma.groupMember.count({ where: { userId, group: below } });
    if (viaGroup > 0) return true;
    const viaProject = await this.prisma.projectMember.count({
      where: { userId, project: { group: below } },
    });
    return viaProject > 0;
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
