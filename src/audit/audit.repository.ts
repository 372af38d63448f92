import { Injectable } from '@nestjs/common';
import { Prisma } from '../generated/prisma/client';
import { PrismaService } from '../database/prisma.service';

export interface AuditEntry {
  actorId: number | null;
  actorName: string;
  action: string;
  targetType: string;
  targetId: string;
  before?: unknown;
  after?: unknown;
}

export interface AuditEventView extends AuditEntry {
  id: string;
  createdAt: Date;
}

const MAX_INT4 = 2_147_483_647;

type Db = Pick<PrismaService, 'auditEvent'> | Prisma.TransactionClient;

const json = (v: unknown) =>
  v === undefined || v === null
    ? Prisma.DbNull
    : (JSON.parse(JSON.stringify(v)) as Prisma.InputJsonValue);

@Injectable()
export class AuditRepository {
  constructor(private readonly prisma: PrismaService) {}

  /** An admin's change to `targetType` #`id`, recorded in the transaction that makes it. */
  recordChange(
    tx: Prisma.TransactionClient,
    actor: { id: number | null; name: string },
    change: { targetType: string; action: string; id: number; before: unknown; after: unknown },
  ): Promise<void> {
    const { targetType, action, id, before, after } = change;
    return this.record(
      {
        actorId: actor.id,
        actorName: actor.name,
        action,
        targetType,
        targetId: String(id),
        before,
        after,
      },
      tx,
    );
  }

  /** Pass `tx` to record the event in the same transaction as the change it describes. */
  async record(entry: AuditEntry, tx?: Prisma.TransactionClient): Promise<void> {
    const db: Db = tx ?? this.prisma;
    await db.auditEvent.create({
      data: { ...entry, before: json(entry.before), after: json(entry.after) },
    });
  }

  /** Several events in one insert, in the order given (a batch of flag changes). */
  async recordMany(entries: AuditEntry[], tx?: Prisma.TransactionClient): Promise<void> {
    if (entries.length === 0) return;
    const db: Db = tx ?? this.prisma;
    await db.auditEvent.createMany({
      data: entries.map((e) => ({ ...e, before: json(e.before), after: json(e.after) })),
    });
  }

  /** One page of events, newest first, and how many match in all. */
  async findPage(
    filter: { targetType?: string; targetId?: string; createdAfter?: Date; createdBefore?: Date },
    page: { skip: number; take: number },
  ): Promise<{ items: AuditEventView[]; total: number }> {
    const where: Prisma.AuditEventWhereInput = {
      targetType: filter.targetType,
      targetId: filter.targetId,
      createdAt: { gte: filter.createdAfter, lte: filter.createdBefore },
    };
    const [rows, total] = await Promise.all([
      this.prisma.auditEvent.findMany({
        where,
        orderBy: { id: 'desc' },
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.auditEvent.count({ where }),
    ]);
    return { items: rows.map((r) => ({ ...r, id: r.id.toString() })), total };
  }

  /**
   * Current names for `Kind:id` references (users by username, groups and projects by full path),
   * keyed by the reference; references to records that are gone are left out.
   */
  async namesOf(refs: Iterable<string>): Promise<Record<string, string>> {
    const ids = { User: [] as number[], Group: [] as number[], Project: [] as number[] };
    for (const ref of refs) {
      const m = /^(User|Group|Project):(\d{1,10})$/.exec(ref);
      if (m && Number(m[2]) <= MAX_INT4) ids[m[1] as keyof typeof ids].push(Number(m[2]));
    }
    const [users, groups, projects] = await Promise.all([
      ids.User.length > 0
        ? this.prisma.user.findMany({
            where: { id: { in: ids.User } },
            select: { id: true, username: true },
          })
        : [],
      ids.Group.length > 0
        ? this.prisma.group.findMany({
            where: { id: { in: ids.Group } },
            select: { id: true, fullPath: true },
          })
        : [],
      ids.Project.length > 0
        ? this.prisma.project.findMany({
            where: { id: { in: ids.Project } },
            select: { id: true, fullPath: true },
          })
        : [],
    ]);
    const entries: Array<[string, string]> = [
      ...users.map((u): [string, string] => [`User:${u.id}`, u.username]),
      ...groups.map((g): [string, string] => [`Group:${g.id}`, g.fullPath]),
      ...projects.map((p): [string, string] => [`Project:${p.id}`, p.fullPath]),
    ];
    return Object.fromEntries(entries);
  }

  /** The newest event on `targetType` #`targetId` (of one `action`, if given), or null. */
  async findLatest(
    targetType: string,
    targetId: string,
    action?: string,
  ): Promise<AuditEventView | null> {
    const row = await this.prisma.auditEvent.findFirst({
      where: { targetType, targetId, action },
      orderBy: { id: 'desc' },
    });
    return row && { ...row, id: row.id.toString() };
  }

  async findById(id: number): Promise<AuditEventView | null> {
    const row = await this.prisma.auditEvent.findUnique({ where: { id: BigInt(id) } });
    return row && { ...row, id: row.id.toString() };
  }
}
