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

  findUsersByUsername(usernames: string[]): Promise<{ id: number; username: string }[]> {
    return this.prisma.user.findMany({
      where: { username: { in: usernames } },
      select: { id: true, username: true },
    });
  }

  /** Names for the actors a rollout's gates hold (`User:3` → its username). */
  async actorNames(userIds: number[], projectIds: number[]): Promise<Map<string, string>> {
    const [users, projects] = await Promise.all([
      this.prisma.user.findMany({
        where: { id: { in: userIds } },
        select: { id: true, username: true },
      }),
      this.prisma.project.findMany({
        where: { id: { in: projectIds } },
        select: { id: true, fullPath: true },
      }),
    ]);
    return new Map([
      ...users.map((u) => [`User:${u.id}`, `user ${u.username}`] as const),
      ...projects.map((p) => [`Project:${p.id}`, `project ${p.fullPath}`] as const),
    ]);
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
