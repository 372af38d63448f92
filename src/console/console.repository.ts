import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** Counts the console's confirmations quote ("about N of the M users with a seat"). */
@Injectable()
export class ConsoleRepository {
  constructor(private readonly prisma: PrismaService) {}

  async countSeatedUsers(today: Date): Promise<number> {
    const rows = await this.prisma.seatAssignment.findMany({
      where: { purchase: active(today) },
      distinct: ['userId'],
      select: { userId: true },
    });
    return rows.length;
  }

  countUsers(): Promise<number> {
    return this.prisma.user.count();
  }

  findGroups(paths: string[]): Promise<{ id: number; fullPath: string }[]> {
    return this.prisma.group.findMany({
      where: { fullPath: { in: paths } },
      select: { id: true, fullPath: true },
    });
  }

  findProjects(paths: string[]): Promise<{ id: number; fullPath: string; groupId: number }[]> {
    return this.prisma.project.findMany({
      where: { fullPath: { in: paths } },
      select: { id: true, fullPath: true, groupId: true },
    });
  }

  /** Users whose active seat comes from these groups' purchases (their flag group actors). */
  async countSeatedThrough(groupIds: number[], today: Date): Promise<number> {
    const rows = await this.prisma.seatAssignment.findMany({
      where: { purchase: { ...active(today), groupId: { in: groupIds } } },
      distinct: ['userId'],
      select: { userId: true },
    });
    return rows.length;
  }

  /** Seated users who are members of these projects or of the groups holding them. */
  countSeatedMembers(projectIds: number[], groupIds: number[], today: Date): Promise<number> {
    return this.prisma.user.count({
      where: {
        seatAssignments: { some: { purchase: active(today) } },
        OR: [
          { projectMembers: { some: { projectId: { in: projectIds } } } },
          { groupMembers: { some: { groupId: { in: groupIds } } } },
        ],
      },
    });
  }
}

const active = (today: Date) => ({ startsAt: { lte: today }, expiresAt: { gte: today } });
