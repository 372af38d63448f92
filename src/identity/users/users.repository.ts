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
  state?: 'active' | 'blocked';
  /** Administrators search emails too; other users only usernames and names. */
  searchEmail?: boolean;
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
  ): Promise<{ items: UserRecord[]; total: number }> {
    const exactId =
      filter.username === undefined
        ? undefined
        : ((await this.findByUsername(filter.username))?.id ?? null);
    const where = userWhere(filter, exactId);
    const [items, total] = await Promise.all([
      this.prisma.user.findMany({
        where,
        orderBy: { id: 'asc' },
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
    data: { name?: string; admin?: boolean; state?: string },
    tx?: Tx,
  ): Promise<UserRecord> {
    return (tx ?? this.prisma).user
      .update({ where: { id }, data })
      .catch((err: unknown) => mapPrismaError(err, { notFound: 'User' }));
  }
}
