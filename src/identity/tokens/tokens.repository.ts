import { Injectable } from '@nestjs/common';
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
