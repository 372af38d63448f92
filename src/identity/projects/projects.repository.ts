import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { containsText } from '../../database/like-pattern';
import { PrismaService } from '../../database/prisma.service';
import { mapPrismaError } from '../../database/prisma-errors';
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
  ): Promise<{ items: ProjectRecord[]; total: number }> {
    const contains = containsText(search ?? '');
    const where: Prisma.ProjectWhereInput =
      search === undefined ? {} : { OR: [{ name: contains }, { fullPath: contains }] };
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
}
