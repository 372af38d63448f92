import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Prisma } from '../../generated/prisma/client';
import { containsText } from '../../database/like-pattern';
import { PrismaService } from '../../database/prisma.service';
import { mapPrismaError } from '../../database/prisma-errors';
import type { Tx } from '../../database/transactions';

export interface UserRecord {
  id: number;
  username: string;
  name: string;
  email: string | null;
  admin: boolean;
  state: string;
  globalUserId: string;
  createdAt: Date;
}

/** GitLab's `GET /users` filters: `search` is a substring, `username` an exact name (any case). */
export interface UserFilter {
  search?: string;
  username?: string;
  state?: 'active' | 'blocked' | 'deactivated';
  /** Administrators search emails too; other users only usernames and names. */
  searchEmail?: boolean;
  /** GitLab's `admins=true`: administrators only. */
  admins?: boolean;
}

/** GitLab's `order_by` and `sort` on `GET /users` (default: id, newest first). */
export const USER_ORDER_FIELDS = ['id', 'name', 'username', 'created_at', 'updated_at'] as const;
export interface UserOrder {
  by: (typeof USER_ORDER_FIELDS)[number];
  direction: 'asc' | 'desc';
}

/** One membership of a user (GitLab's `GET /users/:id/memberships`). */
export interface UserMembershipRecord {
  sourceId: number;
  sourceName: string;
  sourceType: 'Namespace' | 'Project';
  accessLevel: number;
}

/** What deleting a user removes with it (for the audit event). */
export interface UserFootprint {
  tokenIds: number[];
  groupIds: number[];
  projectIds: number[];
  seatPurchaseIds: number[];
}

function orderOf(o: UserOrder): Prisma.UserOrderByWithRelationInput[] {
  // No updated_at column: a user changes rarely here, so its creation time stands in.
  const field = {
    id: 'id',
    name: 'name',
    username: 'username',
    created_at: 'createdAt',
    updated_at: 'createdAt',
  } as const;
  const key = field[o.by];
  // id breaks ties, so pages never overlap or skip a row.
  return key === 'id' ? [{ id: o.direction }] : [{ [key]: o.direction }, { id: o.direction }];
}

/** `exactId`: the id `username=` resolved to (null: nobody), found by findByUsername. */
function userWhere(f: UserFilter, exactId: number | null | undefined): Prisma.UserWhereInput {
  const and: Prisma.UserWhereInput[] = [];
  // Not `equals` + `mode: 'insensitive'`: Prisma makes that an ILIKE with `_` and `%` live.
  if (exactId !== undefined) and.push({ id: exactId ?? -1 });
  if (f.search !== undefined) {
    const contains = containsText(f.search);
    and.push({
      OR: [
        { username: contains },
        { name: contains },
        ...(f.searchEmail ? [{ email: contains }] : []),
      ],
    });
  }
  if (f.state !== undefined) and.push({ state: f.state });
  if (f.admins) and.push({ admin: true });
  return { AND: and };
}

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  async create(
    data: {
      username: string;
      name: string;
      email?: string;
      admin: boolean;
    },
    tx?: Tx,
  ): Promise<UserRecord> {
    return (tx ?? this.prisma).user
      .create({ data: { ...data, email: data.email ?? null, globalUserId: randomUUID() } })
      .catch((err: unknown) =>
        mapPrismaError(err, { conflict: 'Username or email has already been taken' }),
      );
  }

  findById(id: number): Promise<UserRecord | null> {
    return this.prisma.user.findUnique({ where: { id } });
  }

  /**
   * Case-insensitive equality through lower(): Prisma's `mode: 'insensitive'` equality is an
   * ILIKE with the value unescaped, so `j_doe` matched `jxdoe` and `%` matched anyone.
   */
  async findByUsername(username: string): Promise<UserRecord | null> {
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM users WHERE lower(username) = lower(${username}) ORDER BY id LIMIT 1`;
    return rows.length ? this.findById(rows[0].id) : null;
  }

  /** Emails are unique regardless of case (`Alice@x.io` is `alice@x.io`), as in GitLab. */
  async findByEmail(email: string): Promise<UserRecord | null> {
    const rows = await this.prisma.$queryRaw<{ id: number }[]>`
      SELECT id FROM users WHERE lower(email) = lower(${email}) ORDER BY id LIMIT 1`;
    return rows.length ? this.findById(rows[0].id) : null;
  }

  list(limit: number): Promise<UserRecord[]> {
    return this.prisma.user.findMany({ orderBy: { id: 'asc' }, take: limit });
  }

  /** One page of the users matching `filter`, by id, and how many match in all. */
  async findPage(
    filter: UserFilter,
    page: { skip: number; take: number },
    order: UserOrder = { by: 'id', direction: 'asc' },
  ): Promise<{ items: UserRecord[]; total: number }> {
    const exactId =
      filter.username === undefined
        ? undefined
        : ((await this.findByUsername(filter.username))?.id ?? null);
    const where = userWhere(filter, exactId);
    const [items, total] = await Promise.all([
      this.prisma.user.findMany({
        where,
        orderBy: orderOf(order),
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.user.count({ where }),
    ]);
    return { items, total };
  }

  count(): Promise<number> {
    return this.prisma.user.count();
  }

  async update(
    id: number,
    data: { name?: string; admin?: boolean; state?: string; username?: string; email?: string },
    tx?: Tx,
  ): Promise<UserRecord> {
    return (tx ?? this.prisma).user.update({ where: { id }, data }).catch((err: unknown) =>
      mapPrismaError(err, {
        notFound: 'User',
        conflict: 'Username or email has already been taken',
      }),
    );
  }

  /** Tokens, memberships and seats of a user: what a delete removes with the user row. */
  async footprint(id: number, tx?: Tx): Promise<UserFootprint> {
    const db = tx ?? this.prisma;
    const [tokens, groups, projects, seats] = await Promise.all([
      db.personalAccessToken.findMany({ where: { userId: id }, select: { id: true } }),
      db.groupMember.findMany({ where: { userId: id }, select: { groupId: true } }),
      db.projectMember.findMany({ where: { userId: id }, select: { projectId: true } }),
      db.seatAssignment.findMany({ where: { userId: id }, select: { purchaseId: true } }),
    ]);
    return {
      tokenIds: tokens.map((t) => t.id),
      groupIds: groups.map((g) => g.groupId),
      projectIds: projects.map((p) => p.projectId),
      seatPurchaseIds: seats.map((s) => s.purchaseId),
    };
  }

  /** Deletes the user; tokens, memberships and seat assignments go with it (ON DELETE CASCADE). */
  async delete(id: number, tx?: Tx): Promise<void> {
    await (tx ?? this.prisma).user
      .delete({ where: { id } })
      .catch((err: unknown) => mapPrismaError(err, { notFound: 'User' }));
  }

  /** Direct group and project memberships, groups first, each by id. */
  async memberships(
    userId: number,
    type: 'Namespace' | 'Project' | undefined,
    page: { skip: number; take: number },
  ): Promise<{ items: UserMembershipRecord[]; total: number }> {
    const [groups, projects] = await Promise.all([
      type === 'Project'
        ? []
        : this.prisma.groupMember.findMany({
            where: { userId },
            include: { group: { select: { name: true } } },
            orderBy: { groupId: 'asc' },
          }),
      type === 'Namespace'
        ? []
        : this.prisma.projectMember.findMany({
            where: { userId },
            include: { project: { select: { name: true } } },
            orderBy: { projectId: 'asc' },
          }),
    ]);
    const all: UserMembershipRecord[] = [
      ...groups.map((g) => ({
        sourceId: g.groupId,
        sourceName: g.group.name,
        sourceType: 'Namespace' as const,
        accessLevel: g.accessLevel,
      })),
      ...projects.map((p) => ({
        sourceId: p.projectId,
        sourceName: p.project.name,
        sourceType: 'Project' as const,
        accessLevel: p.accessLevel,
      })),
    ];
    return { items: all.slice(page.skip, page.skip + page.take), total: all.length };
  }
}
