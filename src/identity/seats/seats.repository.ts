import { Injectable } from '@nestjs/common';
import { AddOn, Prisma } from '../../generated/prisma/client';
import { PrismaService } from '../../database/prisma.service';
import { isUniqueViolation } from '../../database/prisma-errors';
import type { Tx } from '../../database/transactions';
import { DomainError } from '../../common/errors/domain-error';

export interface PurchaseRecord {
  id: number;
  groupId: number;
  addOn: AddOn;
  quantity: number;
  startsAt: Date;
  expiresAt: Date;
  createdAt: Date;
}

export interface SeatGroupRow {
  addOn: AddOn;
  group: {
    id: number;
    fullPath: string;
    duoFeaturesEnabled: boolean;
    directCodeSuggestionsEnabled: boolean;
  };
}

@Injectable()
export class SeatsRepository {
  constructor(private readonly prisma: PrismaService) {}

  createPurchase(data: Omit<PurchaseRecord, 'id' | 'createdAt'>, tx?: Tx): Promise<PurchaseRecord> {
    return (tx ?? this.prisma).addOnPurchase.create({ data });
  }

  findPurchase(
    groupId: number,
    id: number,
  ): Promise<(PurchaseRecord & { assigned: number }) | null> {
    return this.prisma.addOnPurchase
      .findFirst({ where: { id, groupId }, include: { _count: { select: { assignments: true } } } })
      .then((p) => (p ? { ...p, assigned: p._count.assignments } : null));
  }

  listPurchases(groupId: number): Promise<Array<PurchaseRecord & { assigned: number }>> {
    return this.prisma.addOnPurchase
      .findMany({
        where: { groupId },
        include: { _count: { select: { assignments: true } } },
        orderBy: { id: 'asc' },
      })
      .then((rows) => rows.map((p) => ({ ...p, assigned: p._count.assignments })));
  }

  findOverlappingPurchase(groupId: number, addOn: AddOn, startsAt: Date, expiresAt: Date) {
    return this.prisma.addOnPurchase.findFirst({
      where: { groupId, addOn, startsAt: { lte: expiresAt }, expiresAt: { gte: startsAt } },
    });
  }

  /**
   * Assigns a seat; the purchase row is locked so concurrent assignments cannot exceed the
   * seat count (SELECT … FOR UPDATE inside one transaction). `alsoInTx` (the audit row) commits
   * with the seat or not at all.
   */
  async assignSeat(
    purchaseId: number,
    userId: number,
    alsoInTx: (tx: Tx) => Promise<void> = async () => undefined,
  ): Promise<{ id: number; createdAt: Date }> {
    try {
      return await this.prisma.$transaction(async (tx) => {
        const locked = await tx.$queryRaw<Array<{ quantity: number }>>(
          Prisma.sql`SELECT quantity FROM add_on_purchases WHERE id = ${purchaseId} FOR UPDATE`,
        );
        if (locked.length === 0) throw DomainError.notFound('Add-on purchase');
        const assigned = await tx.seatAssignment.count({ where: { purchaseId } });
        if (assigned >= locked[0].quantity) {
          throw new DomainError(
            'unprocessable',
            `user_id cannot be assigned: all ${locked[0].quantity} seats of this purchase are assigned`,
          );
        }
        const seat = await tx.seatAssignment.create({
          data: { purchaseId, userId },
          select: { id: true, createdAt: true },
        });
        await alsoInTx(tx);
        return seat;
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new DomainError('conflict', 'user_id already has a seat in this purchase');
      throw err;
    }
  }

  async removeSeat(purchaseId: number, userId: number, tx?: Tx): Promise<boolean> {
    const { count } = await (tx ?? this.prisma).seatAssignment.deleteMany({
      where: { purchaseId, userId },
    });
    return count > 0;
  }

  /** Groups whose active purchase gives this user a seat (the seat groups of the flag context). */
  async activeSeatGroups(userId: number, today: Date): Promise<SeatGroupRow[]> {
    const rows = await this.prisma.seatAssignment.findMany({
      where: { userId, purchase: { startsAt: { lte: today }, expiresAt: { gte: today } } },
      select: {
        purchase: {
          select: {
            addOn: true,
            group: {
              select: {
                id: true,
                fullPath: true,
                duoFeaturesEnabled: true,
                directCodeSuggestionsEnabled: true,
              },
            },
          },
        },
      },
    });
    return rows.map((r) => r.purchase);
  }

  /** The purchases of these groups with the users holding their seats (what a group delete ends). */
  async purchasesOfGroups(
    groupIds: number[],
    tx?: Tx,
  ): Promise<
    Array<{ id: number; groupId: number; addOn: AddOn; quantity: number; userIds: number[] }>
  > {
    const rows = await (tx ?? this.prisma).addOnPurchase.findMany({
      where: { groupId: { in: groupIds } },
      include: { assignments: { select: { userId: true }, orderBy: { userId: 'asc' } } },
      orderBy: { id: 'asc' },
    });
    return rows.map((r) => ({
      id: r.id,
      groupId: r.groupId,
      addOn: r.addOn,
      quantity: r.quantity,
      userIds: r.assignments.map((a) => a.userId),
    }));
  }
}
