import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** A user with an active seat and the groups whose purchases give it (their flag group actors). */
export interface SeatedUser {
  userId: number;
  seatGroupIds: number[];
}

/** What a change preview evaluates a flag for: every user with a seat today, in bulk. */
@Injectable()
export class ChangePreviewRepository {
  constructor(private readonly prisma: PrismaService) {}

  async seatedUsers(today: Date): Promise<SeatedUser[]> {
    const rows = await this.prisma.seatAssignment.findMany({
      where: { purchase: { startsAt: { lte: today }, expiresAt: { gte: today } } },
      select: { userId: true, purchase: { select: { groupId: true } } },
    });
    const byUser = new Map<number, number[]>();
    for (const r of rows)
      byUser.set(r.userId, [...(byUser.get(r.userId) ?? []), r.purchase.groupId]);
    return [...byUser].map(([userId, seatGroupIds]) => ({ userId, seatGroupIds }));
  }

  /** Members of the group at `path` or below it, directly or through a project (the team). */
  async membersOfHierarchy(path: string): Promise<Set<number>> {
    const below = `${path}/`;
    const rows = await this.prisma.$queryRaw<Array<{ user_id: number }>>`
      SELECT m.user_id FROM group_members m JOIN namespaces n ON n.id = m.group_id
       WHERE n.full_path = ${path} OR left(n.full_path, char_length(${below}::text)) = ${below}
      UNION
      SELECT m.user_id FROM project_members m JOIN projects pr ON pr.id = m.project_id
        JOIN namespaces n ON n.id = pr.group_id
       WHERE n.full_path = ${path} OR left(n.full_path, char_length(${below}::text)) = ${below}`;
    return new Set(rows.map((r) => Number(r.user_id)));
  }

  async usernames(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.prisma.user.findMany({
      where: { id: { in: ids } },
      select: { id: true, username: true },
    });
    return new Map(rows.map((r) => [r.id, r.username]));
  }

  async projectPaths(
    ids: number[],
  ): Promise<Array<{ id: number; fullPath: string; groupId: number }>> {
    if (ids.length === 0) return [];
    return this.prisma.project.findMany({
      where: { id: { in: ids } },
      select: { id: true, fullPath: true, groupId: true },
    });
  }
}
