import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { containsText } from '../../database/like-pattern';
import { PrismaService } from '../../database/prisma.service';
import { mapPrismaError } from '../../database/prisma-errors';
import type { UserRecord } from '../users/users.repository';
import type { Tx } from '../../database/transactions';

export interface ProjectRecord {
  id: number;
  name: string;
  path: string;
  fullPath: string;
  groupId: number;
  duoFeaturesEnabled: boolean;
  createdAt: Date;
}

@Injectable()
export class ProjectsRepository {
  constructor(private readonly prisma: PrismaService) {}

  create(
    data: {
      name: string;
      path: string;
      fullPath: string;
      groupId: number;
    },
    tx?: Tx,
  ): Promise<ProjectRecord> {
    return (tx ?? this.prisma).project
      .create({ data })
      .catch((err: unknown) => mapPrismaError(err, { conflict: 'path has already been taken' }));
  }

  findById(id: number): Promise<ProjectRecord | null> {
    return this.prisma.project.findUnique({ where: { id } });
  }

  /** Case-insensitive equality through lower(), never ILIKE: `%` and `_` are plain text here. */
  async findByFullPath(fullPath: string): Promise<ProjectRecord | null> {
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM projects WHERE lower(full_path) = lower(${fullPath}) ORDER BY id LIMIT 1`;
    return rows.length ? this.findById(rows[0].id) : null;
  }

  /** One page of the projects whose name or full path holds `search` (any case), by id. */
  async findPage(
    search: string | undefined,
    page: { skip: number; take: number },
    groupIds?: number[],
  ): Promise<{ items: ProjectRecord[]; total: number }> {
    const contains = containsText(search ?? '');
    const where: Prisma.ProjectWhereInput = {
      ...(search === undefined ? {} : { OR: [{ name: contains }, { fullPath: contains }] }),
      ...(groupIds === undefined ? {} : { groupId: { in: groupIds } }),
    };
    const [items, total] = await Promise.all([
      this.prisma.project.findMany({
        where,
        orderBy: { id: 'asc' },
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.project.count({ where }),
    ]);
    return { items, total };
  }

  update(
    id: number,
    data: { duoFeaturesEnabled?: boolean; name?: string },
    tx?: Tx,
  ): Promise<ProjectRecord> {
    return (tx ?? this.prisma).project.update({ where: { id }, data });
  }

  async addMember(projectId: number, userId: number, accessLevel: number, tx?: Tx): Promise<void> {
    await (tx ?? this.prisma).projectMember
      .create({ data: { projectId, userId, accessLevel } })
      .catch((err: unknown) => mapPrismaError(err, { conflict: 'Member already exists' }));
  }

  async isMember(projectId: number, userId: number): Promise<boolean> {
    return (await this.prisma.projectMember.count({ where: { projectId, userId } })) > 0;
  }

  /** Members of a project, by user id; `search` in username or name. */
  async findMembersPage(
    projectId: number,
    search: string | undefined,
    page: { skip: number; take: number },
  ): Promise<{ items: ProjectMemberRecord[]; total: number }> {
    const contains = containsText(search ?? '');
    const where: Prisma.ProjectMemberWhereInput = {
      projectId,
      ...(search === undefined
        ? {}
        : { user: { OR: [{ username: contains }, { name: contains }] } }),
    };
    const [rows, total] = await Promise.all([
      this.prisma.projectMember.findMany({
        where,
        include: { user: true },
        orderBy: { userId: 'asc' },
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.projectMember.count({ where }),
    ]);
    return { items: rows.map(memberOf), total };
  }

  async findMember(projectId: number, userId: number): Promise<ProjectMemberRecord | null> {
    const row = await this.prisma.projectMember.findUnique({
      where: { projectId_userId: { projectId, userId } },
      include: { user: true },
    });
    return row && memberOf(row);
  }

  async removeMember(projectId: number, userId: number, tx?: Tx): Promise<void> {
    await (tx ?? this.prisma).projectMember
      .delete({ where: { projectId_userId: { projectId, userId } } })
      .catch((err: unknown) => mapPrismaError(err, { notFound: 'Member' }));
  }

  /** The projects directly in any of these groups, by id. */
  inGroups(groupIds: number[], tx?: Tx): Promise<ProjectRecord[]> {
    return (tx ?? this.prisma).project.findMany({
      where: { groupId: { in: groupIds } },
      orderBy: { id: 'asc' },
    });
  }

  /** Deletes projects; their memberships go with them (ON DELETE CASCADE). */
  async deleteMany(ids: number[], tx: Tx): Promise<void> {
    await tx.project.deleteMany({ where: { id: { in: ids } } });
  }
}

export interface ProjectMemberRecord {
  user: UserRecord;
  accessLevel: number;
  createdAt: Date;
}

const memberOf = (r: { user: UserRecord; accessLevel: number; createdAt: Date }) => ({
  user: r.user,
  accessLevel: r.accessLevel,
  createdAt: r.createdAt,
});
