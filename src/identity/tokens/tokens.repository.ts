import { Injectable } from '@nestjs/common';
import type { Prisma } from '../../generated/prisma/client';
import { containsText } from '../../database/like-pattern';
import { PrismaService } from '../../database/prisma.service';
import type { Tx } from '../../database/transactions';

export interface TokenRecord {
  id: number;
  userId: number;
  name: string;
  scopes: string[];
  expiresAt: Date | null;
  revoked: boolean;
  lastUsedAt: Date | null;
  createdAt: Date;
}

export interface TokenWithUser extends TokenRecord {
  user: {
    id: number;
    username: string;
    name: string;
    admin: boolean;
    state: string;
    globalUserId: string;
  };
}

const tokenFields = {
  id: true,
  userId: true,
  name: true,
  scopes: true,
  expiresAt: true,
  revoked: true,
  lastUsedAt: true,
  createdAt: true,
} as const;

/** GitLab's `GET /personal_access_tokens` filters. */
export interface TokenFilter {
  userId?: number;
  /** `active`: neither revoked nor expired; `inactive`: either. */
  state?: 'active' | 'inactive';
  revoked?: boolean;
  /** Substring of the token's name, any case. */
  search?: string;
}

function tokenWhere(f: TokenFilter, now: Date): Prisma.PersonalAccessTokenWhereInput {
  const and: Prisma.PersonalAccessTokenWhereInput[] = [];
  if (f.userId !== undefined) and.push({ userId: f.userId });
  if (f.revoked !== undefined) and.push({ revoked: f.revoked });
  if (f.search !== undefined) and.push({ name: containsText(f.search) });
  const unexpired = { OR: [{ expiresAt: null }, { expiresAt: { gt: now } }] };
  if (f.state === 'active') and.push({ revoked: false, ...unexpired });
  if (f.state === 'inactive') and.push({ OR: [{ revoked: true }, { expiresAt: { lte: now } }] });
  return { AND: and };
}

@Injectable()
export class TokensRepository {
  constructor(private readonly prisma: PrismaService) {}

  findByDigestWithUser(tokenDigest: string): Promise<TokenWithUser | null> {
    return this.prisma.personalAccessToken.findUnique({
      where: { tokenDigest },
      select: {
        ...tokenFields,
        user: {
          select: {
            id: true,
            username: true,
            name: true,
            admin: true,
            state: true,
            globalUserId: true,
          },
        },
      },
    });
  }

  findById(id: number): Promise<TokenRecord | null> {
    return this.prisma.personalAccessToken.findUnique({ where: { id }, select: tokenFields });
  }

  /** One page of the tokens matching `filter`, by id, and how many match in all. */
  async findPage(
    filter: TokenFilter,
    page: { skip: number; take: number },
    now = new Date(),
  ): Promise<{ items: TokenRecord[]; total: number }> {
    const where = tokenWhere(filter, now);
    const [items, total] = await Promise.all([
      this.prisma.personalAccessToken.findMany({
        where,
        select: tokenFields,
        orderBy: { id: 'asc' },
        skip: page.skip,
        take: page.take,
      }),
      this.prisma.personalAccessToken.count({ where }),
    ]);
    return { items, total };
  }

  create(
    data: {
      userId: number;
      name: string;
      scopes: string[];
      tokenDigest: string;
      expiresAt: Date | null;
    },
    tx?: Tx,
  ): Promise<TokenRecord> {
    return (tx ?? this.prisma).personalAccessToken.create({ data, select: tokenFields });
  }

  async revoke(id: number, tx?: Tx): Promise<void> {
    await (tx ?? this.prisma).personalAccessToken.update({
      where: { id },
      data: { revoked: true },
    });
  }

  async touchLastUsed(ids: number[], at: Date): Promise<void> {
    await this.prisma.personalAccessToken.updateMany({
      where: { id: { in: ids } },
      data: { lastUsedAt: at },
    });
  }

  async countUsers(): Promise<number> {
    return this.prisma.user.count();
  }
}
