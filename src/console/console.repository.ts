import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service';

/** Counts the console's confirmations quote ("about N of the M users with a seat"). */
@Injectable()
export class ConsoleRepository {
  constructor(private readonly prisma: PrismaService) {}

  async countSeatedUsers(today: Date): Promise<number> {
    const rows = await this.prisma.seatAssignment.findMany({
      where: { purchase: { startsAt: { lte: today }, expiresAt: { gte: today } } },
      distinct: ['userId'],
      select: { userId: true },
    });
    return rows.length;
  }

  countUsers(): Promise<number> {
    return this.prisma.user.count();
  }
}
